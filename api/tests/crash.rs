//! `kill -9` while the audit log is being sequenced, on SQLite and on PostgreSQL: the real
//! `socialcare` binary serves writes from several clients with a short merge delay (so that a
//! sequencing batch runs most of the time), and is killed with SIGKILL three times at moments
//! the test does not choose, then started again on the same database. After each restart:
//! every acknowledged change has its audit record in the Merkle tree, the tree holds every
//! record exactly once (size = records), the hash chain is intact, and `socialcare audit verify
//! --checkpoint` (the binary again) proves that the log extends every checkpoint signed before
//! any of the crashes.

// Tests state their expectations with panics and unwraps (as in the tests crate).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::{Value, json};
use socialcare_persistence::schema::audit_records;
use socialcare_persistence::{AnyConnection, DbTarget, audit, audit_tree};
use socialcare_tests::{
    ADMIN_PASSWORD, AUDIT_LOG_ORIGIN, Engine, JWT_SECRET, TestDatabase, audit_signing_key,
    audit_verifier_key, user_password,
};

const BINARY: &str = env!("CARGO_BIN_EXE_socialcare");
/// How many times the server is killed.
const CRASHES: usize = 3;
/// Concurrent clients writing.
const WRITERS: usize = 4;

/// A `socialcare` server process on `url`, listening on `port`.
fn start(url: &str, port: u16, scratch: &Path) -> Child {
    Command::new(BINARY)
        .current_dir(scratch)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATABASE_URL", url)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("SOCIALCARE_JWT_SECRET", JWT_SECRET)
        .env("SOCIALCARE_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("SOCIALCARE_AUDIT_SIGNING_KEY", audit_signing_key())
        .env("SOCIALCARE_AUDIT_LOG_ORIGIN", AUDIT_LOG_ORIGIN)
        // The shortest merge delay: the sequencer runs every 12.5 ms, so a batch is under way
        // at most moments of the run.
        .env("SOCIALCARE_AUDIT_MERGE_DELAY_MS", "50")
        .env("SOCIALCARE_RATE_LIMIT_PER_MINUTE", "1000000")
        .env("SOCIALCARE_DB_POOL_SIZE", "6")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {BINARY}: {e}"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

async fn admin_token(client: &reqwest::Client, base: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let answer = client
            .post(format!("{base}/api/v1/auth/token"))
            .json(&json!({ "username": "admin", "password": ADMIN_PASSWORD }))
            .send()
            .await;
        if let Ok(response) = answer
            && response.status() == 200
        {
            let body: Value = response.json().await.unwrap();
            return body["access_token"].as_str().unwrap().to_owned();
        }
        assert!(Instant::now() < deadline, "the server did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Creates accounts until `stop`; returns the ids of those the server acknowledged (201).
async fn write_until(
    client: reqwest::Client,
    base: String,
    token: String,
    prefix: String,
    stop: Arc<AtomicBool>,
) -> Vec<String> {
    let mut acknowledged = Vec::new();
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let username = format!("{prefix}.n{n}");
        let answer = client
            .post(format!("{base}/api/v1/users"))
            .bearer_auth(&token)
            .json(&json!({
                "username": username,
                "display_name": format!("Crash {username}"),
                "email": format!("{username}@comune.example.it"),
                "password": user_password(&username),
                "roles": ["social_worker"],
                "areas": ["social_inclusion"],
            }))
            .send()
            .await;
        match answer {
            Ok(response) if response.status() == 201 => {
                let body: Value = response.json().await.unwrap_or_default();
                if let Some(id) = body["id"].as_str() {
                    acknowledged.push(id.to_owned());
                }
            }
            // Refused by a dying server, or never answered: not acknowledged.
            Ok(_) | Err(_) => {}
        }
    }
    acknowledged
}

fn connect(url: &str) -> AnyConnection {
    DbTarget::parse(url).unwrap().connect().unwrap()
}

/// The tree's size and the number of records, chained or staged.
fn sizes(url: &str) -> (u64, i64) {
    let mut conn = connect(url);
    let head = audit_tree::head(&mut conn).unwrap();
    let records: i64 = audit_records::table.count().get_result(&mut conn).unwrap();
    // Staged by writes, or by reads (on SQLite in their own file).
    let staged = socialcare_persistence::audit::staged(&mut conn).unwrap().0;
    (head.size, records + i64::try_from(staged).unwrap())
}

fn verify_cli(url: &str, checkpoint: &Path, scratch: &Path) -> (bool, String) {
    let output = Command::new(BINARY)
        .current_dir(scratch)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RUST_LOG", "error")
        .args(["--database-url", url, "audit", "verify", "--checkpoint"])
        .arg(checkpoint)
        .args(["--key", &audit_verifier_key()])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

async fn killed_while_sequencing(engine: Engine) {
    let Some(database) = TestDatabase::create(engine) else {
        return;
    };
    let url = database.url();
    let scratch: PathBuf = std::env::temp_dir().join(format!(
        "socialcare-crash-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&scratch).unwrap();
    let client = reqwest::Client::new();
    let mut acknowledged: Vec<String> = Vec::new();
    let mut checkpoints: BTreeSet<String> = BTreeSet::new();

    for round in 0..CRASHES {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut server = start(&url, port, &scratch);
        let token = admin_token(&client, &base).await;
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                tokio::spawn(write_until(
                    client.clone(),
                    base.clone(),
                    token.clone(),
                    format!("crash.r{round}.w{w}"),
                    Arc::clone(&stop),
                ))
            })
            .collect();
        // Keep every checkpoint the server signs while the writes go on, until it has signed a
        // few batches of this round; then kill it at once, whatever it is doing.
        let started = Instant::now();
        let mut signed_this_round = 0;
        while signed_this_round < 5 || started.elapsed() < Duration::from_millis(1500) {
            let head = audit_tree::head(&mut connect(&url)).unwrap();
            if let Some(checkpoint) = head.checkpoint
                && checkpoints.insert(checkpoint)
            {
                signed_this_round += 1;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "round {round}: the server signed {signed_this_round} checkpoints in 60 s"
            );
            tokio::time::sleep(Duration::from_millis(7)).await;
        }
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        for writer in writers {
            acknowledged.extend(writer.await.unwrap());
        }
        let (size, records) = sizes(&url);
        eprintln!(
            "{engine:?} round {round}: killed with {records} records, {size} in the tree, {} acknowledged accounts so far, {} checkpoints kept",
            acknowledged.len(),
            checkpoints.len()
        );
    }

    // Restart: the staged records are integrated by the sequencer of the new process.
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(&url, port, &scratch);
    admin_token(&client, &base).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (size, records) = sizes(&url);
        if size == u64::try_from(records).unwrap() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{engine:?}: after the restart the tree holds {size} of {records} records"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();

    let mut conn = connect(&url);
    let head = audit_tree::head(&mut conn).unwrap();
    let created: Vec<(Option<String>, i64)> = audit_records::table
        .filter(audit_records::action.eq("user.create"))
        .select((audit_records::resource_id, audit_records::seq))
        .load(&mut conn)
        .unwrap();
    let in_tree: BTreeSet<String> = created
        .iter()
        .filter(|(_, seq)| u64::try_from(*seq).unwrap() <= head.size)
        .filter_map(|(id, _)| id.clone())
        .collect();
    assert!(
        acknowledged.len() > 20,
        "too few writes: {}",
        acknowledged.len()
    );
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !in_tree.contains(*id))
        .collect();
    assert!(
        lost.is_empty(),
        "{engine:?}: {} acknowledged accounts have no record in the tree: {lost:?}",
        lost.len()
    );
    let records: i64 = audit_records::table.count().get_result(&mut conn).unwrap();
    assert_eq!(head.size, u64::try_from(records).unwrap());
    let chain = audit::verify(&mut conn).unwrap();
    assert!(chain.intact(), "{engine:?}: the chain is broken: {chain:?}");
    drop(conn);

    // Every checkpoint signed before any crash is extended by today's log.
    assert!(checkpoints.len() >= 5 * CRASHES);
    for (n, checkpoint) in checkpoints.iter().enumerate() {
        let file = scratch.join(format!("checkpoint-{n}"));
        std::fs::write(&file, checkpoint).unwrap();
        let (ok, text) = verify_cli(&url, &file, &scratch);
        assert!(
            ok,
            "{engine:?}: verify --checkpoint refused a checkpoint signed before a crash:\n{checkpoint}\n{text}"
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_sequencing_sqlite() {
    killed_while_sequencing(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_sequencing_postgres() {
    killed_while_sequencing(Engine::Postgres).await;
}
