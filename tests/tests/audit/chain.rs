//! The hash chain: appends, verification, tampering, immutability and the upgrade of records
//! written before the chain existed.

use chrono::{Duration, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::Value;
use socialcare_persistence::audit::{self, GENESIS_HASH, NewAuditRecord, Outcome, compute_hash};
use socialcare_persistence::schema::audit_records;
use socialcare_persistence::sql_types::{DbInstant, DbUuid};
use socialcare_persistence::{AnyConnection, DbTarget, migrations};
use socialcare_tests::{Engine, TestApp, TestDatabase, audit_record, on_both_engines};

use crate::{cli, get_json, office, person};

on_both_engines!(
    appends_form_a_gapless_valid_chain,
    a_tampered_record_is_the_first_broken_link,
    a_missing_record_is_reported,
    the_database_refuses_updates_and_deletes,
    concurrent_requests_keep_the_chain_linear,
    a_read_whose_record_cannot_be_staged_is_not_answered,
    reads_commit_without_waiting_for_the_flush_on_postgres,
    every_field_shape_hashes_as_the_canonical_encoding,
    parallel_appends_on_many_connections_keep_the_chain_linear,
    reads_that_finish_together_stage_their_records_in_one_group,
    chaining_without_a_chain_head_fails_and_keeps_what_is_staged,
    a_walk_on_several_connections_checks_every_batch_in_order_and_finds_a_wide_gap,
);

fn connect(app: &TestApp) -> AnyConnection {
    DbTarget::parse(&app.database.url())
        .unwrap()
        .connect()
        .unwrap()
}

/// Runs `sql` with the append-only triggers out of the way, as only a database owner could.
fn as_owner_bypassing_triggers(app: &TestApp, sql: &str) {
    let mut conn = connect(app);
    match app.engine {
        Engine::Postgres => conn
            .batch_execute(&format!(
                "SET session_replication_role = replica; {sql}; SET session_replication_role = origin;"
            ))
            .unwrap(),
        Engine::Sqlite => {
            #[derive(QueryableByName)]
            struct Trigger {
                #[diesel(sql_type = diesel::sql_types::Text)]
                sql: String,
            }
            let triggers: Vec<Trigger> = diesel::sql_query(
                "SELECT sql FROM sqlite_schema WHERE type = 'trigger' \
                 AND tbl_name IN ('audit_records', 'audit_record_persons') ORDER BY name",
            )
            .load(&mut conn)
            .unwrap();
            assert_eq!(triggers.len(), 4, "the append-only triggers are installed");
            let drop_all = "DROP TRIGGER audit_records_no_update; DROP TRIGGER audit_records_no_delete; \
                 DROP TRIGGER audit_record_persons_no_update; DROP TRIGGER audit_record_persons_no_delete;";
            let recreate: String = triggers.iter().map(|t| format!("{};", t.sql)).collect();
            conn.batch_execute(&format!("BEGIN; {drop_all} {sql}; {recreate} COMMIT;"))
                .unwrap();
        }
    }
}

fn seq_and_id(app: &TestApp, seq: i64) -> String {
    let (id,): (DbUuid,) = app
        .db()
        .read(|c| {
            Ok(audit_records::table
                .filter(audit_records::seq.eq(seq))
                .select((audit_records::id,))
                .first(c)?)
        })
        .unwrap();
    id.0.to_string()
}

async fn appends_form_a_gapless_valid_chain(app: TestApp) {
    let office = office(&app).await;
    person(&app, &office.anna, "Maria").await;
    let mut rows = app.audit(1000);
    rows.reverse();
    assert!(
        rows.len() > 10,
        "logins and account creations were recorded"
    );
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.seq, i as i64 + 1, "seq is gapless from 1");
        assert_eq!(row.hash.len(), 64);
        let expected_prev = if i == 0 {
            GENESIS_HASH
        } else {
            rows[i - 1].hash.as_str()
        };
        assert_eq!(
            row.prev_hash, expected_prev,
            "record {} links back",
            row.seq
        );
    }
    let n = rows.len() as i64;
    let report = app.db().read(audit::verify).unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!((report.checked, report.head_seq), (n as u64, n));
    assert_eq!(report.head_hash, rows.last().unwrap().hash);

    // The person registered is linked to its creation record.
    let created = app.audit_entries(1).remove(0);
    assert_eq!(created.action, "person.create");
    assert_eq!(created.persons.len(), 1);
    assert_eq!(Some(created.persons[0].to_string()), created.resource_id);

    let body = get_json(&app, &office.privacy, "/audit-records/verification").await;
    assert_eq!(body["intact"], true, "{body}");
    assert_eq!(body["checked"], n);
    assert_eq!(body["head_seq"], n);
    assert_eq!(body["head_hash"], rows.last().unwrap().hash.as_str());
    assert_eq!(body["first_broken"], Value::Null);
    // The verification is itself recorded, at the end of the chain.
    let last = &app.audit(1)[0];
    assert_eq!(
        (last.action.as_str(), last.seq, last.outcome.as_str()),
        ("audit.verify", n + 1, "success")
    );
    assert_eq!(last.actor_username.as_deref(), Some("privacy"));
    assert!(app.db().read(audit::verify).unwrap().intact());

    // The office manager may verify too.
    let body = get_json(&app, &office.manager, "/audit-records/verification").await;
    assert_eq!(body["intact"], true);
    assert_eq!(body["checked"], n + 1);
}

async fn a_tampered_record_is_the_first_broken_link(app: TestApp) {
    let office = office(&app).await;
    person(&app, &office.anna, "Maria").await;
    let total = app.audit(1)[0].seq;
    let k = total / 2;
    let id = seq_and_id(&app, k);
    as_owner_bypassing_triggers(
        &app,
        &format!("UPDATE audit_records SET action = 'user.read' WHERE seq = {k}"),
    );

    let body = get_json(&app, &office.privacy, "/audit-records/verification").await;
    assert_eq!(body["intact"], false, "{body}");
    assert_eq!(body["first_broken"]["seq"], k, "{body}");
    assert_eq!(body["first_broken"]["id"], id.as_str());
    assert!(
        body["first_broken"]["reason"]
            .as_str()
            .unwrap()
            .contains("does not match the record's content")
    );
    assert_eq!(body["checked"], k - 1);
    assert_eq!(body["head_seq"], total);
    // The verification is recorded with its outcome.
    let last = &app.audit(1)[0];
    assert_eq!(last.action, "audit.verify");
    let details: Value = serde_json::from_str(last.details.as_deref().unwrap()).unwrap();
    assert_eq!(details["first_broken_seq"], k);
    assert_eq!(details["intact"], false);

    // The command line reports the same link and exits with an error.
    let (out, error) = cli(&app.database.url(), &["audit", "verify"]).unwrap_err();
    assert!(
        out.contains(&format!("BROKEN at seq {k} (record {id})")),
        "{out}"
    );
    assert!(error.contains(&format!("broken at seq {k}")), "{error}");

    // Later appends do not hide the break.
    let report = app.db().read(audit::verify).unwrap();
    assert_eq!(report.first_broken.unwrap().seq, k);
}

async fn a_missing_record_is_reported(app: TestApp) {
    let office = office(&app).await;
    let intact = cli(&app.database.url(), &["audit", "verify"]).unwrap();
    assert!(intact.contains("the audit trail is intact"), "{intact}");
    let total = app.audit(1)[0].seq;
    let k = total - 3;
    as_owner_bypassing_triggers(
        &app,
        &format!(
            "DELETE FROM audit_record_persons WHERE audit_record_id IN (SELECT id FROM audit_records WHERE seq = {k}); \
             DELETE FROM audit_records WHERE seq = {k}"
        ),
    );
    let body = get_json(&app, &office.manager, "/audit-records/verification").await;
    assert_eq!(body["intact"], false);
    assert_eq!(body["first_broken"]["seq"], k);
    assert_eq!(body["first_broken"]["id"], Value::Null);
    assert!(
        body["first_broken"]["reason"]
            .as_str()
            .unwrap()
            .contains("missing")
    );
}

async fn the_database_refuses_updates_and_deletes(app: TestApp) {
    let office = office(&app).await;
    person(&app, &office.anna, "Maria").await;
    let before = app.audit(1000);
    let mut conn = connect(&app);
    for sql in [
        "UPDATE audit_records SET action = 'x'",
        "UPDATE audit_records SET outcome = 'success' WHERE seq = 1",
        "DELETE FROM audit_records WHERE seq = 1",
        "DELETE FROM audit_records",
        "UPDATE audit_record_persons SET person_id = audit_record_id",
        "DELETE FROM audit_record_persons",
    ] {
        let error = conn
            .batch_execute(sql)
            .expect_err(&format!("`{sql}` must fail"));
        assert!(error.to_string().contains("append-only"), "{sql}: {error}");
    }
    if app.engine == Engine::Postgres {
        for sql in [
            "TRUNCATE audit_record_persons",
            "TRUNCATE audit_records CASCADE",
        ] {
            let error = conn.batch_execute(sql).expect_err(sql);
            assert!(error.to_string().contains("append-only"), "{sql}: {error}");
        }
    }
    let after = app.audit(1000);
    assert_eq!(before.len(), after.len());
    assert!(
        before
            .iter()
            .zip(&after)
            .all(|(a, b)| a.hash == b.hash && a.action == b.action)
    );
    assert_eq!(
        app.audit_entries(1)[0].persons.len(),
        1,
        "links are still there"
    );
    assert!(app.db().read(audit::verify).unwrap().intact());
}

/// Reads on two servers at once (two processes of a deployment, each with its own appender
/// batching the records of its reads) and writes among them: every answer has its record, once,
/// linked to the person, and the chain stays linear, while searches on both servers chain the
/// staged records beside the sequencers: no gap, no position twice, nothing left staged.
async fn concurrent_requests_keep_the_chain_linear(app: TestApp) {
    const READS: usize = 48;
    let beside = app.spawn_beside().await;
    let office = office(&app).await;
    let p = person(&app, &office.anna, "Maria").await;
    let before = app.audit(1)[0].seq;
    let path = format!("/persons/{p}");
    let requests = (0..READS).map(|i| {
        let token = if i % 2 == 0 {
            &office.anna
        } else {
            &office.marco
        };
        let server = if i % 3 == 0 { &beside } else { &app };
        server
            .client
            .get(server.api(&path))
            .bearer_auth(token)
            .header("x-request-id", format!("read-{i}"))
            .send()
    });
    let writes = (0..4).map(|i| person(&beside, &office.anna, ["Ada", "Bice", "Clara", "Dina"][i]));
    // Searches of the trail on both servers meanwhile: each chains what is staged first, beside
    // the two servers' sequencers, so several chainers meet at the head.
    let searches = (0..8).map(|i| {
        let server = if i % 2 == 0 { &beside } else { &app };
        server
            .client
            .get(server.api("/audit-records?limit=5"))
            .bearer_auth(&office.privacy)
            .send()
    });
    let ((reads, _), searched) = futures_util::future::join(
        futures_util::future::join(
            futures_util::future::join_all(requests),
            futures_util::future::join_all(writes),
        ),
        futures_util::future::join_all(searches),
    )
    .await;
    for response in reads {
        let response = response.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers().contains_key("etag"));
    }
    for response in searched {
        assert_eq!(response.unwrap().status(), 200);
    }
    app.settle_audit();
    assert_eq!(staged(&app), 0, "nothing left staged");
    let report = app.db().read(audit::verify).unwrap();
    assert!(report.intact(), "{report:?}");
    let total = READS as i64 + 4 * 2;
    assert!(
        report.head_seq >= before + READS as i64 + 4,
        "every read and every write recorded: {} after {before}",
        report.head_seq
    );
    let entries = app.audit_entries(total + 24);
    let mut reads: Vec<&str> = entries
        .iter()
        .filter(|r| r.action == "person.read" && r.seq > before)
        .map(|r| {
            assert_eq!(r.persons, vec![p.parse::<uuid::Uuid>().unwrap()]);
            r.request_id.as_deref().unwrap_or_default()
        })
        .collect();
    reads.sort_unstable();
    reads.dedup();
    assert_eq!(reads.len(), READS, "each read recorded once: {reads:?}");
}

/// A read whose record cannot be staged (here the staging table is out of the way: on SQLite
/// the one in the reads' file) is answered with an error that shows nothing of the person; once
/// the table is back the same read is answered and recorded.
async fn a_read_whose_record_cannot_be_staged_is_not_answered(app: TestApp) {
    let office = office(&app).await;
    let p = person(&app, &office.anna, "Mariangela").await;
    let before = app.audit(1)[0].seq;
    // On SQLite every connection creates the reads' table when it is missing: a trigger that
    // refuses every insert keeps it out of the way instead.
    let (away, back) = match app.engine {
        Engine::Postgres => (
            "ALTER TABLE audit_staged RENAME TO audit_staged_away",
            "ALTER TABLE audit_staged_away RENAME TO audit_staged",
        ),
        Engine::Sqlite => (
            "CREATE TRIGGER audit_reads.staging_refused BEFORE INSERT ON audit_staged \
             BEGIN SELECT RAISE(ABORT, 'staging refused'); END",
            "DROP TRIGGER audit_reads.staging_refused",
        ),
    };
    let run = |sql: &str| connect(&app).batch_execute(sql).unwrap();
    run(away);
    let response = app
        .client
        .get(app.api(&format!("/persons/{p}")))
        .bearer_auth(&office.anna)
        .send()
        .await
        .unwrap();
    run(back);
    assert_eq!(response.status(), 500);
    let body = response.text().await.unwrap();
    assert!(!body.contains("Mariangela"), "{body}");
    assert!(!body.contains("audit_staged"), "no internals: {body}");
    assert_eq!(
        app.audit(1)[0].seq,
        before,
        "nothing was recorded meanwhile"
    );
    let body = get_json(&app, &office.anna, &format!("/persons/{p}")).await;
    assert!(body.to_string().contains("Mariangela"), "{body}");
    let last = &app.audit_entries(1)[0];
    assert_eq!(
        (last.seq, last.action.as_str()),
        (before + 1, "person.read")
    );
    assert!(app.db().read(audit::verify).unwrap().intact());
}

/// Minutes after the start, action, resource type, resource id, details.
type LegacyRecord = (
    i64,
    &'static str,
    &'static str,
    Option<String>,
    Option<String>,
);

/// Records written before the chain existed are numbered by time and chained on upgrade, and
/// the trail is immutable afterwards.
fn legacy_records_are_chained_on_upgrade(engine: Engine) {
    let Some(db) = TestDatabase::create(engine) else {
        return;
    };
    let mut conn = DbTarget::parse(&db.url()).unwrap().connect().unwrap();
    let mut last = String::new();
    for _ in 0..8 {
        last = migrations::run_next(&mut conn).unwrap().unwrap();
    }
    assert!(last.ends_with("000008"), "{last}");
    let base = Utc::now() - Duration::days(30);
    // Inserted out of time order: the chain follows time.
    let (maria, giulia) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let legacy: [LegacyRecord; 5] = [
        (20, "auth.login", "session", None, None),
        (0, "user.bootstrap_admin", "user", None, None),
        (10, "user.create", "user", None, None),
        (30, "person.read", "person", Some(maria.to_string()), None),
        (
            40,
            "referral.read",
            "referral",
            Some(uuid::Uuid::now_v7().to_string()),
            Some(format!(r#"{{"person_id":"{giulia}","case_file_id":"x"}}"#)),
        ),
    ];
    for (minutes, action, resource_type, resource_id, details) in legacy {
        diesel::insert_into(audit_records::table)
            .values((
                audit_records::id.eq(DbUuid(uuid::Uuid::now_v7())),
                audit_records::occurred_at.eq(DbInstant::from(base + Duration::minutes(minutes))),
                audit_records::actor_roles.eq(""),
                audit_records::action.eq(action),
                audit_records::resource_type.eq(resource_type),
                audit_records::resource_id.eq(resource_id),
                audit_records::outcome.eq("success"),
                audit_records::details.eq(details),
            ))
            .execute(&mut conn)
            .unwrap();
    }
    let applied = migrations::run_pending_on(&mut conn).unwrap();
    assert_eq!(
        applied.len(),
        migrations::versions(engine == Engine::Postgres)
            .unwrap()
            .len()
            - 8
    );
    let report = conn.transaction(audit::verify).unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!((report.checked, report.head_seq), (5, 5));
    let order: Vec<String> = audit_records::table
        .order(audit_records::seq.asc())
        .select(audit_records::action)
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        order,
        [
            "user.bootstrap_admin",
            "user.create",
            "auth.login",
            "person.read",
            "referral.read"
        ]
    );
    // The persons they named are linked, so access reports cover the time before the chain.
    for (person, action) in [(maria, "person.read"), (giulia, "referral.read")] {
        let found = conn
            .transaction(|c| {
                audit::search(
                    c,
                    &audit::AuditQuery {
                        person_id: Some(person),
                        limit: 10,
                        ..audit::AuditQuery::default()
                    },
                )
            })
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].action, action);
        assert_eq!(found[0].persons, [person]);
    }
    assert!(
        migrations::triggers(&mut conn)
            .unwrap()
            .iter()
            .any(|t| t.table_name == "audit_records")
    );
    conn.batch_execute("UPDATE audit_records SET action = 'x'")
        .expect_err("immutable after the upgrade");
    // New records continue the chain.
    conn.transaction(|c| {
        audit::append(
            c,
            NewAuditRecord {
                occurred_at: Utc::now(),
                actor_id: None,
                actor_username: Some("test".into()),
                actor_roles: Vec::new(),
                action: "test.append".into(),
                resource_type: "test".into(),
                resource_id: None,
                outcome: Outcome::Success,
                request_id: None,
                client_addr: None,
                details: None,
                persons: vec![uuid::Uuid::now_v7()],
                purpose: Some("testing".into()),
                break_glass: true,
                read_only: false,
            },
        )?;
        audit::settle(c)
    })
    .unwrap();
    let report = conn.transaction(audit::verify).unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.checked, 6);
}

#[test]
fn legacy_records_are_chained_on_upgrade_sqlite() {
    legacy_records_are_chained_on_upgrade(Engine::Sqlite);
}

#[test]
fn legacy_records_are_chained_on_upgrade_postgres() {
    legacy_records_are_chained_on_upgrade(Engine::Postgres);
}

/// The server started with the default `SOCIALCARE_AUDIT_READ_COMMIT=asynchronous`: a read's
/// transaction turns `synchronous_commit` off for itself only; a write's keeps it on.
async fn reads_commit_without_waiting_for_the_flush_on_postgres(app: TestApp) {
    if app.engine != Engine::Postgres {
        return;
    }
    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        synchronous_commit: String,
    }
    let mut conn = connect(&app);
    let setting_after = |conn: &mut AnyConnection, read_only: bool| -> String {
        conn.transaction(|c| {
            audit::append(c, audit_record(read_only))?;
            let AnyConnection::Postgresql(pg) = c else {
                unreachable!("a PostgreSQL test")
            };
            let rows: Vec<Setting> = diesel::sql_query("SHOW synchronous_commit").load(pg)?;
            Ok::<_, socialcare_persistence::StoreError>(rows[0].synchronous_commit.clone())
        })
        .unwrap()
    };
    assert_eq!(setting_after(&mut conn, true), "off");
    assert_eq!(setting_after(&mut conn, false), "on");
    // Outside those transactions the session is untouched.
    assert_eq!(setting_after(&mut conn, false), "on");
    let report = conn.transaction(audit::verify).unwrap();
    assert!(report.intact(), "{report:?}");
}

/// Staged records are chained from the staging table's rows: every stored hash must be the hash
/// of the canonical encoding of the stored row, as read back by the verification: records with every optional field absent, present, empty and
/// non-ASCII, with none, one and several persons (given unsorted and repeated).
async fn every_field_shape_hashes_as_the_canonical_encoding(app: TestApp) {
    let office = office(&app).await;
    let mut persons: Vec<uuid::Uuid> = Vec::new();
    for given in ["Maria", "Giuseppe", "Lucia"] {
        let id = person(&app, &office.anna, given).await;
        persons.push(id.parse().unwrap());
    }
    let before = app.audit(1)[0].clone();
    let bare = audit_record(false);
    let full = NewAuditRecord {
        actor_id: Some(office.anna_id.parse().unwrap()),
        actor_username: Some("anna.rossì".into()),
        actor_roles: vec!["social_worker".into(), "area_coordinator".into()],
        resource_id: Some("ça-va/€/日本".into()),
        outcome: Outcome::Denied,
        request_id: Some("req-1".into()),
        client_addr: Some("192.0.2.7".into()),
        // Quotes, a backslash and dollar-quote tags: the read's record travels as literals
        // with its COMMIT on PostgreSQL (`audit::staged_group_with_commit`).
        details: Some(r#"{"reason":"perché \"no\"", "x": "'; COMMIT; $a$ $a1$ $$ \\"}"#.into()),
        persons: vec![persons[2], persons[0], persons[2], persons[1]],
        purpose: Some("Verifica ISEE — art. 15".into()),
        break_glass: true,
        ..audit_record(true)
    };
    let empty = NewAuditRecord {
        actor_username: Some(String::new()),
        resource_id: Some(String::new()),
        details: Some(String::new()),
        purpose: Some(String::new()),
        persons: vec![persons[1]],
        outcome: Outcome::Failure,
        ..audit_record(false)
    };
    // A record on a person resource concerns that person without naming it in `persons`.
    let on_person = NewAuditRecord {
        resource_type: "person".into(),
        resource_id: Some(persons[0].to_string()),
        persons: vec![persons[0], persons[2]],
        ..audit_record(true)
    };
    let records = vec![bare, full, empty, on_person];
    let n = records.len();
    // Each alone (how a write's record is staged), then all four in one batch (how the
    // appender stages the records of reads); the chaining hashes the rows as stored.
    app.db()
        .write(|c| -> Result<(), socialcare_persistence::StoreError> {
            for r in records.clone() {
                audit::append(c, r)?;
            }
            Ok(())
        })
        .unwrap();
    let ids = app
        .db()
        .write(|c| audit::append_batch(c, &records))
        .unwrap();
    assert_eq!(ids.len(), n);
    // And each as a read stages it: with its read's commit.
    for r in records.clone() {
        app.db()
            .read_recorded(|_| Ok::<_, socialcare_persistence::StoreError>(((), r)))
            .unwrap();
    }

    let mut entries = app.audit_entries(3 * n as i64);
    entries.reverse();
    assert_eq!(
        entries[n..2 * n].iter().map(|e| e.id.0).collect::<Vec<_>>(),
        ids,
        "the batch is chained in its order"
    );
    let mut prev = before.hash.clone();
    for (i, entry) in entries.iter().enumerate() {
        assert_eq!(
            entry.seq,
            before.seq + 1 + i as i64,
            "numbered after the head"
        );
        assert_eq!(
            entry.prev_hash, prev,
            "record {} links to its predecessor",
            entry.seq
        );
        assert_eq!(
            entry.hash,
            compute_hash(&entry.row, &entry.persons),
            "record {} ({:?}) is hashed over its canonical encoding",
            entry.seq,
            entry.row
        );
        prev = entry.hash.clone();
    }
    let mut sorted = persons.clone();
    sorted.sort();
    let mut on_person = vec![persons[0], persons[2]];
    on_person.sort();
    for k in [0, n, 2 * n] {
        assert_eq!(entries[k].persons, Vec::<uuid::Uuid>::new());
        assert_eq!(entries[k + 1].persons, sorted, "deduplicated and ascending");
        assert_eq!(entries[k + 1].actor_username.as_deref(), Some("anna.rossì"));
        assert!(entries[k + 1].break_glass);
        assert_eq!(entries[k + 1].actor_roles, "social_worker,area_coordinator");
        assert_eq!(entries[k + 1].resource_id.as_deref(), Some("ça-va/€/日本"));
        assert_eq!(
            entries[k + 1].details,
            records[1].details,
            "kept byte for byte"
        );
        assert_eq!(entries[k + 2].persons, vec![persons[1]]);
        assert_eq!(entries[k + 2].details.as_deref(), Some(""));
        assert_eq!(entries[k + 3].persons, on_person);
        assert_eq!(
            entries[k + 3].occurred_at,
            entries[k + 3 - n.min(k)].occurred_at,
            "the instant is kept to the microsecond"
        );
    }
    let report = app.db().read(audit::verify).unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.head_hash, prev);
    assert_eq!(staged(&app), 0);
}

/// Appends from 8 threads at once, each through the server's own database handle (the pool on
/// PostgreSQL, where they contend for the head's row lock inside the append statement; the
/// writer with group commit on SQLite): no gap, no fork, every record linked.
async fn parallel_appends_on_many_connections_keep_the_chain_linear(app: TestApp) {
    const THREADS: usize = 8;
    const EACH: usize = 40;
    let office = office(&app).await;
    let p: uuid::Uuid = person(&app, &office.anna, "Maria").await.parse().unwrap();
    let before = app.audit(1)[0].seq;
    let db = app.db().clone();
    let workers = (0..THREADS).map(|t| {
        let db = db.clone();
        std::thread::spawn(move || {
            for i in 0..EACH {
                db.write(|c| -> Result<_, socialcare_persistence::StoreError> {
                    audit::append(
                        c,
                        NewAuditRecord {
                            request_id: Some(format!("{t}-{i}")),
                            persons: vec![p],
                            ..audit_record(i % 2 == 0)
                        },
                    )
                })
                .unwrap();
            }
        })
    });
    for worker in workers.collect::<Vec<_>>() {
        worker.join().unwrap();
    }
    let total = (THREADS * EACH) as i64;
    app.settle_audit();
    let report = app.db().read(audit::verify).unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.head_seq, before + total);
    let entries = app.audit_entries(total);
    let mut requests: Vec<&str> = entries
        .iter()
        .map(|e| e.request_id.as_deref().unwrap())
        .collect();
    requests.sort_unstable();
    requests.dedup();
    assert_eq!(requests.len(), THREADS * EACH, "every append stored once");
    assert!(entries.iter().all(|e| e.persons == vec![p]));
    assert_eq!(staged(&app), 0, "every staged record was chained");
}

/// Reads whose records come while a group is being written are staged together by the next
/// group, one transaction for all, and each read learns its own record's id. The first group is
/// held up by a lock on what it writes (PostgreSQL: the staging table; SQLite: the reads'
/// file), so that the others queue behind it. On PostgreSQL the reads run as the server runs
/// them (`read_recorded`): the first leads with its own commit, the others commit their reads
/// and one of them stages the queued records in a transaction of its own.
async fn reads_that_finish_together_stage_their_records_in_one_group(app: TestApp) {
    const READS: usize = 6;
    // A database handle of its own, with a connection for each read (on PostgreSQL a read holds
    // its connection until its record is staged; the server's pool has four).
    let db = socialcare_persistence::Database::connect(
        &app.database.url(),
        &socialcare_persistence::PoolOptions {
            max_size: 16,
            ..Default::default()
        },
    )
    .unwrap();
    let before = app.audit(1)[0].seq;
    let stats_before = db.read_groups();
    let mut blocker = match app.engine {
        Engine::Postgres => {
            let mut conn = connect(&app);
            conn.batch_execute("BEGIN; LOCK TABLE audit_staged IN SHARE ROW EXCLUSIVE MODE")
                .unwrap();
            conn
        }
        Engine::Sqlite => {
            let url = app.database.url();
            let path = std::path::Path::new(url.strip_prefix("sqlite://").unwrap());
            let reads = socialcare_persistence::db::read_staging_path(path);
            let mut conn = DbTarget::parse(&format!("sqlite://{}", reads.display()))
                .unwrap()
                .connect()
                .unwrap();
            conn.batch_execute("BEGIN IMMEDIATE").unwrap();
            conn
        }
    };
    let engine = app.engine;
    let read = move |db: &socialcare_persistence::Database, n: usize| {
        let record = NewAuditRecord {
            request_id: Some(format!("grouped-{n}")),
            ..audit_record(true)
        };
        match engine {
            Engine::Postgres => {
                db.read_recorded(|_| Ok::<_, socialcare_persistence::StoreError>(((), record)))
            }
            Engine::Sqlite => db.stage_read(record).map(|_| ()),
        }
    };
    let first = {
        let db = db.clone();
        std::thread::spawn(move || read(&db, 0))
    };
    // The first is writing its group (held up by the lock); the others come meanwhile.
    let until =
        |what: &str, done: &dyn Fn(socialcare_persistence::audit_appender::GroupStats) -> bool| {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            while !done(db.read_groups()) {
                assert!(
                    std::time::Instant::now() < deadline,
                    "{what}: {:?}",
                    db.read_groups()
                );
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        };
    until("the first writes its group", &|s| {
        s.writing && s.queued == 0
    });
    let others: Vec<_> = (1..=READS)
        .map(|n| {
            let db = db.clone();
            std::thread::spawn(move || read(&db, n))
        })
        .collect();
    until("the others queue", &|s| s.queued == READS);
    let held = db.read_groups();
    assert!(held.writing, "the first group is still being written");
    assert_eq!(
        (held.groups, held.records),
        (stats_before.groups, stats_before.records),
        "nothing written while the lock holds"
    );
    blocker.batch_execute("COMMIT").unwrap();
    first.join().unwrap().unwrap();
    for other in others {
        other.join().unwrap().unwrap();
    }
    let after = db.read_groups();
    assert_eq!(
        (
            after.groups - stats_before.groups,
            after.records - stats_before.records
        ),
        (2, 1 + READS as u64),
        "the first alone, then the {READS} that came while it was written, together"
    );
    let entries = app.audit_entries(1 + READS as i64);
    let mut requests: Vec<&str> = entries
        .iter()
        .filter_map(|e| e.request_id.as_deref())
        .collect();
    requests.sort_unstable();
    let expected: Vec<String> = (0..=READS).map(|n| format!("grouped-{n}")).collect();
    assert_eq!(requests, expected, "every read's record chained once");
    assert_eq!(app.audit(1)[0].seq, before + 1 + READS as i64);
    assert_eq!(staged(&app), 0);
}

/// Records staged and not yet chained (on SQLite in the reads' file too).
fn staged(app: &TestApp) -> u64 {
    app.db().read(audit::staged).unwrap().0
}

/// Without its head row (a database not migrated to the chain, or damaged) staging still works,
/// but chaining fails with an error naming the cause, and its transaction keeps nothing.
async fn chaining_without_a_chain_head_fails_and_keeps_what_is_staged(app: TestApp) {
    let before = app.audit(1)[0].seq;
    let mut conn = connect(&app);
    let outcome = conn.transaction(|c| -> Result<u64, socialcare_persistence::StoreError> {
        diesel::delete(socialcare_persistence::schema::audit_chain_head::table).execute(c)?;
        audit::append(c, audit_record(false))?;
        audit::settle(c)
    });
    let error = outcome.unwrap_err();
    assert!(
        error.to_string().contains("audit chain head is missing"),
        "{error}"
    );
    // The deletion was rolled back with the rest: nothing staged, the chain goes on.
    assert_eq!(staged(&app), 0);
    assert_eq!(app.audit(1)[0].seq, before, "nothing chained");
    let id = audit::append(&mut conn, audit_record(false)).unwrap();
    let last = &app.audit(1)[0];
    assert_eq!((last.seq, last.id.0), (before + 1, id));
    assert_eq!(staged(&app), 0);
    assert!(app.db().read(audit::verify).unwrap().intact());
}

/// Verifies the chain with `readers` connections reading batches at once, as `socialcare audit
/// verify` does with two (the trail does not change meanwhile: no read transaction needed).
fn verify_with_readers(app: &TestApp, readers: usize) -> audit::VerifyReport {
    let mut conns: Vec<AnyConnection> = (0..readers).map(|_| connect(app)).collect();
    let mut borrowed: Vec<&mut AnyConnection> = conns.iter_mut().collect();
    audit::verify_on(&mut borrowed).unwrap()
}

/// The walk reads the trail in batches of 2 000 records, several batches at once on several
/// connections, and checks them in `seq` order: every record of a trail of several batches is
/// checked once, and a gap wider than a batch (a whole batch with no record, records after it)
/// is the first broken link, whatever the number of readers.
async fn a_walk_on_several_connections_checks_every_batch_in_order_and_finds_a_wide_gap(
    app: TestApp,
) {
    let office = office(&app).await;
    let p: uuid::Uuid = person(&app, &office.anna, "Maria").await.parse().unwrap();
    for chunk in 0..10 {
        app.db()
            .write(|c| -> Result<_, socialcare_persistence::StoreError> {
                for i in 0..550 {
                    audit::append(
                        c,
                        NewAuditRecord {
                            request_id: Some(format!("{chunk}-{i}")),
                            persons: if i % 2 == 0 { vec![p] } else { Vec::new() },
                            ..audit_record(true)
                        },
                    )?;
                }
                Ok(())
            })
            .unwrap();
    }
    let head = app.audit(1)[0].seq;
    assert!(head > 5500, "{head}");
    for readers in [1, 2, 3] {
        let report = verify_with_readers(&app, readers);
        assert!(report.intact(), "{readers} reader(s): {report:?}");
        assert_eq!(
            (report.checked, report.head_seq),
            (head as u64, head),
            "{readers} reader(s)"
        );
    }
    // One record changed in the third batch: the first broken link for any number of readers.
    as_owner_bypassing_triggers(
        &app,
        "UPDATE audit_records SET request_id = 'changed' WHERE seq = 4321",
    );
    for readers in [1, 2, 3] {
        let report = verify_with_readers(&app, readers);
        let broken = report.first_broken.unwrap();
        assert_eq!(broken.seq, 4321, "{readers} reader(s)");
        assert!(broken.reason.contains("stored hash"), "{}", broken.reason);
        assert_eq!(report.checked, 4320, "{readers} reader(s)");
    }
    // Records 1 500 to 4 600 deleted: the first batch (records 1 to 2 000) ends at 1 499, the
    // second (2 001 to 4 000) is empty, the third (4 001 to 6 000) starts at 4 601.
    as_owner_bypassing_triggers(
        &app,
        "DELETE FROM audit_record_persons WHERE audit_record_id IN (SELECT id FROM audit_records WHERE seq BETWEEN 1500 AND 4600); \
         DELETE FROM audit_records WHERE seq BETWEEN 1500 AND 4600",
    );
    for readers in [1, 2, 3] {
        let report = verify_with_readers(&app, readers);
        let broken = report.first_broken.unwrap();
        assert_eq!(broken.seq, 1500, "{readers} reader(s)");
        assert_eq!(
            broken.reason, "record 1500 is missing (the next record has seq 4601)",
            "{readers} reader(s)"
        );
    }
}

/// SQLite stages the records of reads in a file of their own beside the database
/// (`…-audit-reads`), so that a read leaves the database file, and the page caches of the reader
/// connections, untouched. The chainer takes them from there in id order with the writes'
/// records; the file only loses them in a transaction of its own after the one that chained them
/// (the sequencer's `forget_chained_reads`), so a record still there after being chained (as a
/// crash in between would leave it) is neither counted as staged nor chained twice.
#[test]
fn reads_stage_in_their_own_file_and_are_chained_once_on_sqlite() {
    use socialcare_persistence::{Database, PoolOptions};
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let Some(test_db) = TestDatabase::create(Engine::Sqlite) else {
        return;
    };
    let url = test_db.url();
    let db = Database::connect(&url, &PoolOptions::default()).unwrap();
    migrations::run_pending(&db).unwrap();
    let count = |sql: &str| -> i64 {
        db.read(|c| {
            Ok(
                diesel::sql_query(format!("SELECT count(*) AS n FROM {sql}"))
                    .get_result::<Count>(c)?
                    .n,
            )
        })
        .unwrap()
    };
    let in_reads_file = || count("audit_reads.audit_staged");
    let in_database = || count("main.audit_staged");
    let path = url.strip_prefix("sqlite://").unwrap();
    assert!(
        socialcare_persistence::db::read_staging_path(std::path::Path::new(path)).exists(),
        "the reads' file is beside the database"
    );
    let before = db.read(audit::verify).unwrap().head_seq;

    // A read, a write, a read: the reads in their file, the write in the database's table.
    let first = db.stage_read(audit_record(true)).unwrap();
    let write = db.write(|c| audit::append(c, audit_record(false))).unwrap();
    let second = db.stage_read(audit_record(true)).unwrap();
    assert_eq!((in_reads_file(), in_database()), (2, 1));
    assert_eq!(db.read(audit::staged).unwrap().0, 3);

    // Chained in the order they were staged; the reads stay in their file, no longer staged.
    assert_eq!(db.write(audit::settle).unwrap(), 3);
    let report = db.read(audit::verify).unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.head_seq, before + 3);
    let chained: Vec<(i64, DbUuid)> = db
        .read(|c| {
            Ok(audit_records::table
                .select((audit_records::seq, audit_records::id))
                .filter(audit_records::seq.gt(before))
                .order(audit_records::seq.asc())
                .load(c)?)
        })
        .unwrap();
    assert_eq!(
        chained,
        vec![
            (before + 1, DbUuid(first)),
            (before + 2, DbUuid(write)),
            (before + 3, DbUuid(second))
        ]
    );
    assert_eq!((in_reads_file(), in_database()), (2, 0));
    assert_eq!(db.read(audit::staged).unwrap(), (0, None));
    assert!(!db.read(audit::any_staged).unwrap());

    // Chaining again finds nothing: the reads left in the file are not chained twice.
    assert_eq!(db.write(audit::settle).unwrap(), 0);
    assert_eq!(db.read(audit::verify).unwrap().head_seq, before + 3);

    // The sequencer's clean-up takes them out of the file, and only them.
    let third = db.stage_read(audit_record(true)).unwrap();
    assert_eq!(db.forget_chained_reads().unwrap(), 2);
    assert_eq!(in_reads_file(), 1);
    assert_eq!(db.write(audit::settle).unwrap(), 1);
    let last = db
        .read(|c| {
            Ok(audit_records::table
                .select(audit_records::id)
                .order(audit_records::seq.desc())
                .first::<DbUuid>(c)?)
        })
        .unwrap();
    assert_eq!(last, DbUuid(third));
    assert_eq!(db.forget_chained_reads().unwrap(), 1);
    assert_eq!(in_reads_file(), 0);
    assert!(db.read(audit::verify).unwrap().intact());
}
