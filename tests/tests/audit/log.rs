//! The verifiable audit log: the Merkle tree over the chained records, its signed checkpoints,
//! inclusion and consistency proofs over HTTP, and `socialcare audit verify --checkpoint`
//! against a log whose suffix was rewritten, whose newest records were deleted, or whose
//! records were changed.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::Value;
use socialcare_api::audit_log::open_checkpoint;
use socialcare_persistence::audit::{AuditEntry, compute_hash};
use socialcare_persistence::audit_tree::{self, CompactRange, Hash};
use socialcare_persistence::schema::audit_records;
use socialcare_persistence::sql_types::DbUuid;
use socialcare_persistence::{AnyConnection, DbTarget};
use socialcare_tests::{Engine, TestApp, audit_verifier_key, on_both_engines, until};
use tlog_tiles::tlog;

use crate::{cli, get, office, person};

on_both_engines!(
    checkpoints_sign_the_tree_of_the_records_and_proofs_verify_against_them,
    a_record_answers_staged_until_the_sequencer_takes_it,
    every_checkpoint_is_also_written_to_the_witness_directory,
    verify_with_a_checkpoint_passes_while_the_log_only_grows,
    a_changed_record_is_the_first_inconsistency,
    a_rewritten_suffix_with_recomputed_hashes_is_detected,
    deleted_newest_records_and_a_rewound_head_are_detected,
    two_servers_sequence_one_log_without_gaps_or_duplicates,
    the_tree_stops_before_a_broken_record_and_its_checkpoint_reaches_the_witness_directory,
    the_metrics_show_the_backlog_and_its_age,
);

/// Every record, oldest first, with its persons.
fn all_records(app: &TestApp) -> Vec<AuditEntry> {
    let mut all = app.audit_entries(1_000_000);
    all.reverse();
    all
}

/// The RFC 9162 root of the records, computed here from their content alone.
fn root_of(records: &[AuditEntry]) -> Hash {
    let mut range = CompactRange::default();
    for r in records {
        range.push(audit_tree::leaf_hash(&r.row, &r.persons));
    }
    range.root()
}

fn hash(text: &str) -> Hash {
    let bytes = STANDARD.decode(text).unwrap();
    Hash(bytes.try_into().unwrap())
}

fn hashes(value: &Value) -> Vec<Hash> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|h| hash(h.as_str().unwrap()))
        .collect()
}

async fn checkpoint_text(app: &TestApp, token: &str) -> String {
    let r = get(app, token, "/audit/checkpoint").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "text/plain; charset=utf-8"
    );
    assert_eq!(r.headers()["cache-control"].to_str().unwrap(), "no-store");
    r.text().await.unwrap()
}

async fn checkpoints_sign_the_tree_of_the_records_and_proofs_verify_against_them(app: TestApp) {
    let office = office(&app).await;
    let mario = person(&app, &office.anna, "Mario").await;
    let size = app.sequence_audit_log();
    let records = all_records(&app);
    assert_eq!(size, records.len() as u64, "every record is in the tree");

    let text = checkpoint_text(&app, &office.privacy).await;
    let first = open_checkpoint(text.as_bytes(), &audit_verifier_key()).unwrap();
    assert_eq!(first.origin, "socialcare.test/audit");
    assert_eq!(first.size, size);
    assert_eq!(
        first.root,
        root_of(&records),
        "the checkpoint signs the RFC 9162 tree of the records in seq order"
    );
    let read = &app.audit_entries(1)[0];
    assert_eq!(
        (read.action.as_str(), read.actor_username.as_deref()),
        ("audit.checkpoint", Some("privacy"))
    );

    // The record of Mario's registration is in the tree the checkpoint signed.
    let created = records
        .iter()
        .find(|r| r.action == "person.create" && r.resource_id.as_deref() == Some(mario.as_str()))
        .unwrap();
    let proof = app
        .get_ok(
            &office.manager,
            &format!(
                "/audit-records/{}/inclusion-proof?tree_size={size}",
                created.id.0
            ),
        )
        .await;
    assert_eq!(proof["status"], "integrated", "{proof}");
    assert_eq!(proof["seq"], created.seq);
    assert_eq!(proof["tree_size"], size);
    let index = (created.seq - 1) as u64;
    assert_eq!(proof["leaf_index"], index);
    let leaf = audit_tree::leaf_hash(&created.row, &created.persons);
    assert_eq!(proof["leaf_hash"], STANDARD.encode(leaf.0));
    assert_eq!(proof["root_hash"], STANDARD.encode(first.root.0));
    let path = hashes(&proof["hashes"]);
    tlog::check_record(&path, size, first.root, index, leaf).unwrap();
    let other = tlog::record_hash(b"a record that was never written");
    assert!(tlog::check_record(&path, size, first.root, index, other).is_err());
    let proved = &app.audit_entries(1)[0];
    assert_eq!(proved.action, "audit.inclusion_proof");
    assert_eq!(proved.resource_id, Some(created.id.0.to_string()));

    // The log grows; the newer checkpoint is consistent with the older one.
    person(&app, &office.anna, "Luigi").await;
    let second_size = app.sequence_audit_log();
    assert!(second_size > size + 1);
    let second = open_checkpoint(
        checkpoint_text(&app, &office.privacy).await.as_bytes(),
        &audit_verifier_key(),
    )
    .unwrap();
    assert_eq!(second.size, second_size);
    let consistency = app
        .get_ok(
            &office.privacy,
            &format!("/audit/consistency-proof?first={size}&second={second_size}"),
        )
        .await;
    assert_eq!(
        consistency["first_root_hash"],
        STANDARD.encode(first.root.0)
    );
    assert_eq!(
        consistency["second_root_hash"],
        STANDARD.encode(second.root.0)
    );
    let path = hashes(&consistency["hashes"]);
    assert!(!path.is_empty());
    tlog::check_tree(&path, second.size, second.root, first.size, first.root).unwrap();
    // The same proof does not hold for a root that is not the older tree's.
    assert!(tlog::check_tree(&path, second.size, second.root, first.size, leaf).is_err());
    // The inclusion proof of the same record in the newer tree.
    let again = app
        .get_ok(
            &office.privacy,
            &format!("/audit-records/{}/inclusion-proof", created.id.0),
        )
        .await;
    assert!(again["tree_size"].as_u64().unwrap() >= second_size);
    let t = again["tree_size"].as_u64().unwrap();
    let root = hash(again["root_hash"].as_str().unwrap());
    tlog::check_record(&hashes(&again["hashes"]), t, root, index, leaf).unwrap();
    // Trivial proofs: from the empty tree, and between equal sizes.
    let empty = app
        .get_ok(&office.privacy, "/audit/consistency-proof?first=0&second=1")
        .await;
    assert_eq!(empty["hashes"], serde_json::json!([]));
    assert_eq!(
        empty["first_root_hash"],
        STANDARD.encode(tlog::EMPTY_HASH.0)
    );

    // Refusals and errors.
    let r = get(&app, &office.anna, "/audit/checkpoint").await;
    assert_eq!(r.status(), 403);
    let denied = &app.audit(1)[0];
    assert_eq!(
        (denied.action.as_str(), denied.outcome.as_str()),
        ("audit.verify", "denied")
    );
    for (path, status) in [
        (
            format!(
                "/audit-records/{}/inclusion-proof?tree_size=999999999",
                created.id.0
            ),
            409,
        ),
        (
            format!(
                "/audit-records/{}/inclusion-proof?tree_size=0",
                created.id.0
            ),
            400,
        ),
        (
            format!(
                "/audit-records/{}/inclusion-proof?tree_size={index}",
                created.id.0
            ),
            409,
        ),
        (
            "/audit-records/0193a1b2-0000-7000-8000-000000000000/inclusion-proof".to_owned(),
            404,
        ),
        ("/audit-records/not-a-uuid/inclusion-proof".to_owned(), 400),
        ("/audit/consistency-proof?first=3&second=2".to_owned(), 400),
        ("/audit/consistency-proof".to_owned(), 400),
        (
            "/audit/consistency-proof?first=1&second=999999999".to_owned(),
            409,
        ),
        ("/audit/consistency-proof?first=%00".to_owned(), 400),
    ] {
        let r = get(&app, &office.privacy, &path).await;
        let body: Value = r.json().await.unwrap_or_default();
        assert_eq!(body["status"], status, "{path}: {body}");
    }
}

async fn a_record_answers_staged_until_the_sequencer_takes_it(app: TestApp) {
    // A server whose sequencer waits a minute between batches (after the one at its start):
    // with the default delay the background sequencer could take the record between the write
    // and the read of "staged" (it did once, on a busy machine).
    let app = TestApp::spawn_with(app.engine, &["--audit-merge-delay-ms", "60000"])
        .await
        .unwrap();
    let office = office(&app).await;
    app.sequence_audit_log();
    let mario = person(&app, &office.anna, "Mario").await;
    let created = app
        .audit_entries(5)
        .into_iter()
        .find(|r| r.action == "person.create" && r.resource_id.as_deref() == Some(mario.as_str()))
        .unwrap();
    let path = format!("/audit-records/{}/inclusion-proof", created.id.0);
    let staged = app.get_ok(&office.privacy, &path).await;
    assert_eq!(staged["status"], "staged", "{staged}");
    assert_eq!(staged["leaf_index"], Value::Null);
    assert_eq!(staged["hashes"], serde_json::json!([]));
    let r = get(&app, &office.privacy, &format!("{path}?tree_size=1")).await;
    assert_eq!(r.status(), 409, "a staged record is in no tree yet");
    app.sequence_audit_log();
    let integrated = app.get_ok(&office.privacy, &path).await;
    assert_eq!(integrated["status"], "integrated");
    assert_eq!(integrated["leaf_index"], created.seq - 1);
}

async fn every_checkpoint_is_also_written_to_the_witness_directory(app: TestApp) {
    // The app of this test has no witness directory: start a second server with one.
    let dir = std::env::temp_dir().join(format!("socialcare-witness-{}", uuid::Uuid::now_v7()));
    let witnessed =
        TestApp::spawn_with(app.engine, &["--audit-witness-dir", dir.to_str().unwrap()])
            .await
            .unwrap();
    let office = office(&witnessed).await;
    let size = witnessed.sequence_audit_log();
    let kept = std::fs::read_to_string(dir.join("checkpoint")).unwrap();
    let opened = open_checkpoint(kept.as_bytes(), &audit_verifier_key()).unwrap();
    assert_eq!(opened.size, size);
    assert_eq!(kept, checkpoint_text(&witnessed, &office.privacy).await);
    let day = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(
        std::fs::read_to_string(dir.join("checkpoints").join(day)).unwrap(),
        kept
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Keeps the current checkpoint in a file outside the database, as a witness would.
fn keep_checkpoint(app: &TestApp) -> std::path::PathBuf {
    app.sequence_audit_log();
    let head = app.db().read(audit_tree::head).unwrap();
    let path = std::env::temp_dir().join(format!("socialcare-checkpoint-{}", uuid::Uuid::now_v7()));
    std::fs::write(&path, head.checkpoint.unwrap()).unwrap();
    path
}

fn verify(app: &TestApp, checkpoint: &std::path::Path) -> Result<String, (String, String)> {
    let key = audit_verifier_key();
    cli(
        &app.database.url(),
        &[
            "audit",
            "verify",
            "--checkpoint",
            checkpoint.to_str().unwrap(),
            "--key",
            &key,
        ],
    )
}

fn connect(app: &TestApp) -> AnyConnection {
    DbTarget::parse(&app.database.url())
        .unwrap()
        .connect()
        .unwrap()
}

/// Runs `change` with every append-only trigger of the trail and the tree out of the way, as
/// only the owner of the tables could.
fn as_owner(app: &TestApp, change: impl FnOnce(&mut AnyConnection)) {
    let mut conn = connect(app);
    match app.engine {
        Engine::Postgres => {
            conn.batch_execute("SET session_replication_role = replica")
                .unwrap();
            change(&mut conn);
            conn.batch_execute("SET session_replication_role = origin")
                .unwrap();
        }
        Engine::Sqlite => {
            #[derive(QueryableByName)]
            struct Trigger {
                #[diesel(sql_type = diesel::sql_types::Text)]
                name: String,
                #[diesel(sql_type = diesel::sql_types::Text)]
                sql: String,
            }
            let triggers: Vec<Trigger> = diesel::sql_query(
                "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' \
                 AND tbl_name IN ('audit_records', 'audit_record_persons', 'audit_tree_hashes')",
            )
            .load(&mut conn)
            .unwrap();
            assert_eq!(triggers.len(), 6, "the append-only triggers are installed");
            conn.batch_execute("BEGIN IMMEDIATE").unwrap();
            for t in &triggers {
                conn.batch_execute(&format!("DROP TRIGGER {}", t.name))
                    .unwrap();
            }
            change(&mut conn);
            for t in &triggers {
                conn.batch_execute(&t.sql).unwrap();
            }
            conn.batch_execute("COMMIT").unwrap();
        }
    }
}

fn set_details(conn: &mut AnyConnection, seq: i64, details: Option<&str>) {
    diesel::update(audit_records::table.filter(audit_records::seq.eq(seq)))
        .set(audit_records::details.eq(details))
        .execute(conn)
        .unwrap();
}

async fn busy_office(app: &TestApp) {
    let office = office(app).await;
    for given in ["Mario", "Luigi", "Carla"] {
        person(app, &office.anna, given).await;
    }
}

async fn verify_with_a_checkpoint_passes_while_the_log_only_grows(app: TestApp) {
    busy_office(&app).await;
    let kept = keep_checkpoint(&app);
    let out = verify(&app, &kept).unwrap();
    assert!(out.contains("the audit trail is intact"), "{out}");
    assert!(
        out.contains("the audit log extends the checkpoint"),
        "{out}"
    );
    // Without --key, the configured signing key's verifier key checks the signature.
    let configured = cli(
        &app.database.url(),
        &[
            "--audit-signing-key",
            socialcare_tests::audit_signing_key(),
            "--audit-log-origin",
            socialcare_tests::AUDIT_LOG_ORIGIN,
            "audit",
            "verify",
            "--checkpoint",
            kept.to_str().unwrap(),
        ],
    )
    .unwrap();
    assert!(
        configured.contains("the audit log extends the checkpoint"),
        "{configured}"
    );
    // More records, in the tree or still staged: it still extends the checkpoint.
    let office = office_tokens(&app).await;
    person(&app, &office, "Giulia").await;
    app.sequence_audit_log();
    person(&app, &office, "Paola").await;
    let out = verify(&app, &kept).unwrap();
    assert!(
        out.contains("the audit log extends the checkpoint"),
        "{out}"
    );
    // A checkpoint signed with another key, or altered, is refused before anything is read.
    let other = socialcare_api::audit_log::LogKey::parse(
        &socialcare_api::audit_log::generate_key("socialcare.test/audit").unwrap(),
        "socialcare.test/audit",
    )
    .unwrap();
    let (_, error) = cli(
        &app.database.url(),
        &[
            "audit",
            "verify",
            "--checkpoint",
            kept.to_str().unwrap(),
            "--key",
            other.verifier_key(),
        ],
    )
    .unwrap_err();
    assert!(error.contains("signature does not verify"), "{error}");
    let text = std::fs::read_to_string(&kept).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let forged = text.replacen(
        &format!("\n{}\n", lines[1]),
        &format!("\n{}\n", lines[1].parse::<u64>().unwrap() + 1),
        1,
    );
    std::fs::write(&kept, forged).unwrap();
    assert!(verify(&app, &kept).is_err());
    std::fs::remove_file(&kept).unwrap();
}

/// A staff token of the office (the accounts exist already).
async fn office_tokens(app: &TestApp) -> String {
    app.tokens("anna", &socialcare_tests::user_password("anna"))
        .await
        .0
}

async fn a_changed_record_is_the_first_inconsistency(app: TestApp) {
    busy_office(&app).await;
    let kept = keep_checkpoint(&app);
    let records = all_records(&app);
    let k = records.len() as i64 / 2;
    let original = records[k as usize - 1].details.clone();
    // One byte of one record, its hash left as it was.
    as_owner(&app, |c| set_details(c, k, Some("{\"changed\":true}")));
    let (out, error) = verify(&app, &kept).unwrap_err();
    assert!(
        out.contains(&format!("INCONSISTENT at seq {k}")),
        "the changed record is named: {out}"
    );
    assert!(error.contains(&format!("broken at seq {k}")), "{error}");
    // Put back, the log verifies again.
    as_owner(&app, |c| set_details(c, k, original.as_deref()));
    verify(&app, &kept).unwrap();
    std::fs::remove_file(&kept).unwrap();
}

async fn a_rewritten_suffix_with_recomputed_hashes_is_detected(app: TestApp) {
    busy_office(&app).await;
    let kept = keep_checkpoint(&app);
    let records = all_records(&app);
    let n = records.len();
    let j = n / 2; // seq j + 1 is the first record rewritten
    // The owner of the tables rewrites records j + 1 … n, recomputes the chain over them,
    // rewinds the tree to j records and lets the sequencer sign the rewritten log again: the
    // chain verifies, the tree is consistent with itself, only the checkpoint kept outside
    // tells.
    let mut rewritten: Vec<AuditEntry> = records[j..].to_vec();
    let mut prev = records[j - 1].hash.clone();
    for r in &mut rewritten {
        r.row.details = Some("{\"rewritten\":true}".into());
        r.row.prev_hash = prev.clone();
        r.row.hash = compute_hash(&r.row, &r.persons);
        prev = r.row.hash.clone();
    }
    let root_j = app.db().read(|c| audit_tree::root_at(c, j as u64)).unwrap();
    as_owner(&app, |c| {
        for r in &rewritten {
            diesel::update(audit_records::table.find(DbUuid(r.id.0)))
                .set((
                    audit_records::details.eq(&r.row.details),
                    audit_records::prev_hash.eq(&r.row.prev_hash),
                    audit_records::hash.eq(&r.row.hash),
                ))
                .execute(c)
                .unwrap();
        }
        rewind(c, j as u64, &root_j, &records[j - 1].hash, Some((n, &prev)));
    });
    assert_eq!(
        app.sequence_audit_log(),
        n as u64,
        "the rewritten log is signed again"
    );
    let chain = cli(&app.database.url(), &["audit", "verify"]).unwrap();
    assert!(chain.contains("the audit trail is intact"), "{chain}");
    let (out, error) = verify(&app, &kept).unwrap_err();
    assert!(
        out.contains(&format!(
            "the first {n} records do not hash to the checkpoint's root"
        )),
        "{out}"
    );
    assert!(error.contains("does not extend the checkpoint"), "{error}");
    std::fs::remove_file(&kept).unwrap();
}

/// Rewinds the tree to `size` records (deleting the hashes stored after them) and, with
/// `chain`, sets the chain head.
fn rewind(
    c: &mut AnyConnection,
    size: u64,
    root: &Hash,
    last_hash: &str,
    chain: Option<(usize, &str)>,
) {
    use socialcare_persistence::schema::{audit_chain_head, audit_tree_hashes, audit_tree_head};
    let from = tlog::stored_hash_index(0, size) as i64;
    diesel::delete(audit_tree_hashes::table.filter(audit_tree_hashes::idx.ge(from)))
        .execute(c)
        .unwrap();
    diesel::update(audit_tree_head::table)
        .set((
            audit_tree_head::size.eq(size as i64),
            audit_tree_head::root_hash.eq(root.0.as_slice()),
            audit_tree_head::last_record_hash.eq(last_hash),
        ))
        .execute(c)
        .unwrap();
    if let Some((seq, hash)) = chain {
        diesel::update(audit_chain_head::table)
            .set((
                audit_chain_head::last_seq.eq(seq as i64),
                audit_chain_head::last_hash.eq(hash),
            ))
            .execute(c)
            .unwrap();
    }
}

async fn deleted_newest_records_and_a_rewound_head_are_detected(app: TestApp) {
    use socialcare_persistence::schema::audit_record_persons;
    busy_office(&app).await;
    let kept = keep_checkpoint(&app);
    let records = all_records(&app);
    let n = records.len();
    let m = n - 3;
    let root_m = app.db().read(|c| audit_tree::root_at(c, m as u64)).unwrap();
    // The last three records go, with their person links; both heads are rewound to m.
    as_owner(&app, |c| {
        let gone: Vec<DbUuid> = records[m..].iter().map(|r| DbUuid(r.id.0)).collect();
        diesel::delete(
            audit_record_persons::table
                .filter(audit_record_persons::audit_record_id.eq_any(gone.clone())),
        )
        .execute(c)
        .unwrap();
        diesel::delete(audit_records::table.filter(audit_records::id.eq_any(gone)))
            .execute(c)
            .unwrap();
        let last = &records[m - 1].hash;
        rewind(c, m as u64, &root_m, last, Some((m, last)));
    });
    let chain = cli(&app.database.url(), &["audit", "verify"]).unwrap();
    assert!(
        chain.contains("the audit trail is intact"),
        "the chain alone cannot tell: {chain}"
    );
    let (out, _) = verify(&app, &kept).unwrap_err();
    assert!(
        out.contains(&format!(
            "the log has {m} records but the checkpoint names {n}: records were deleted or the head was rewound"
        )),
        "{out}"
    );
    std::fs::remove_file(&kept).unwrap();
}

async fn two_servers_sequence_one_log_without_gaps_or_duplicates(app: TestApp) {
    use futures_util::future::join_all;
    use socialcare_persistence::schema::audit_tree_hashes;
    let beside = app.spawn_beside().await;
    let office = office(&app).await;
    let names = [
        "Mario", "Luigi", "Carla", "Giulia", "Paola", "Marco", "Sara", "Elena", "Bruno", "Dario",
        "Franca", "Gino", "Ilaria", "Lucia", "Nadia", "Oscar", "Piero", "Rita", "Teresa", "Ugo",
    ];
    // Registrations on both servers at once while both sequencers run (every 250 ms).
    for round in 0..2 {
        let requests = names.iter().enumerate().map(|(i, given)| {
            let target = if (i + round) % 2 == 0 { &app } else { &beside };
            let token = office.anna.clone();
            async move { person(target, &token, given).await }
        });
        join_all(requests).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    let size = beside.sequence_audit_log();
    let records = all_records(&app);
    assert_eq!(size, records.len() as u64, "every record, once");
    let stored: i64 = app
        .db()
        .read(|c| Ok(audit_tree_hashes::table.count().get_result(c)?))
        .unwrap();
    assert_eq!(
        stored as u64,
        tlog::stored_hash_count(size),
        "each stored hash written once, none missing"
    );
    let head = app.db().read(audit_tree::head).unwrap();
    assert_eq!(
        head.root,
        root_of(&records),
        "the records in seq order, no gap"
    );
    let opened =
        open_checkpoint(head.checkpoint.unwrap().as_bytes(), &audit_verifier_key()).unwrap();
    assert_eq!((opened.size, opened.root), (size, head.root));
    let (chain, report) = app
        .db()
        .read(|c| audit_tree::verify_against(c, size, head.root))
        .unwrap();
    assert!(report.consistent(), "{report:?}");
    assert!(chain.intact(), "{chain:?}");
    assert_eq!(
        report.checked, size,
        "every record checked against the tree"
    );
}

async fn the_tree_stops_before_a_broken_record_and_its_checkpoint_reaches_the_witness_directory(
    app: TestApp,
) {
    // A server on a database of its own, whose sequencer waits 15 s between batches (after the
    // one at its start), with a witness directory.
    let dir = std::env::temp_dir().join(format!("socialcare-witness-{}", uuid::Uuid::now_v7()));
    let app = TestApp::spawn_with(
        app.engine,
        &[
            "--audit-witness-dir",
            dir.to_str().unwrap(),
            "--audit-merge-delay-ms",
            "60000",
        ],
    )
    .await
    .unwrap();
    let office = office(&app).await;
    let before = app.sequence_audit_log();
    for given in ["Mario", "Luigi", "Carla"] {
        person(&app, &office.anna, given).await;
    }
    let head_seq = app.audit(1)[0].seq;
    let broken = before as i64 + 2;
    assert!(broken < head_seq);
    as_owner(&app, |c| set_details(c, broken, Some("{\"changed\":true}")));
    let size = app.sequence_audit_log();
    assert_eq!(
        size,
        (broken - 1) as u64,
        "the tree stops before the broken record"
    );
    let head = app.db().read(audit_tree::head).unwrap();
    let kept = std::fs::read_to_string(dir.join("checkpoint")).unwrap();
    assert_eq!(
        Some(&kept),
        head.checkpoint.as_ref(),
        "the witness has the last checkpoint"
    );
    let opened = open_checkpoint(kept.as_bytes(), &audit_verifier_key()).unwrap();
    assert_eq!(opened.size, size);
    // It stays there while the chain is broken.
    person(&app, &office.anna, "Giulia").await;
    assert_eq!(app.sequence_audit_log(), size);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The value of a metric in Prometheus text.
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find(|l| l.split(' ').next() == Some(name))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in the metrics:\n{text}"))
}

async fn the_metrics_show_the_backlog_and_its_age(app: TestApp) {
    // A server whose sequencer runs at its start and then every 15 s only, so that what is
    // written after its start waits.
    let slow = TestApp::spawn_with(app.engine, &["--audit-merge-delay-ms", "60000"])
        .await
        .unwrap();
    until(10, || {
        slow.db().read(audit_tree::backlog).unwrap().records == 0
    })
    .await;
    let staff = office(&slow).await;
    // Two reads: their records are staged in groups counted by the process.
    let maria = person(&slow, &staff.anna, "Maria").await;
    for _ in 0..2 {
        assert_eq!(
            get(&slow, &staff.anna, &format!("/persons/{maria}"))
                .await
                .status(),
            200
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let scrape = || async {
        slow.client
            .get(format!("{}/metrics", slow.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let waiting = slow.db().read(audit_tree::backlog).unwrap();
    assert!(waiting.records > 0, "{waiting:?}");
    let text = scrape().await;
    assert_eq!(
        metric(&text, "socialcare_audit_staged_records"),
        waiting.records as f64
    );
    assert_eq!(
        metric(&text, "socialcare_audit_tree_size"),
        waiting.size as f64
    );
    let socialcare_persistence::audit_appender::GroupStats {
        groups, records, ..
    } = slow.db().read_groups();
    assert!(
        records >= 2 && (1..=records).contains(&groups),
        "{groups} groups of {records}"
    );
    assert_eq!(
        metric(&text, "socialcare_audit_read_groups_total"),
        groups as f64
    );
    assert_eq!(
        metric(&text, "socialcare_audit_read_records_total"),
        records as f64
    );
    let age = metric(&text, "socialcare_audit_staged_oldest_seconds");
    assert!(
        (0.3..60.0).contains(&age),
        "the oldest record waits since the office was set up: {age} s"
    );
    let size = slow.sequence_audit_log();
    assert_eq!(size, waiting.size + waiting.records);
    let text = scrape().await;
    assert_eq!(metric(&text, "socialcare_audit_staged_records"), 0.0);
    assert_eq!(metric(&text, "socialcare_audit_staged_oldest_seconds"), 0.0);
    assert_eq!(metric(&text, "socialcare_audit_tree_size"), size as f64);
}
