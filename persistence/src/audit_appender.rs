//! The appender of read records: the audit records of reads that do not stage their own.
//!
//! A read changes nothing but the trail, so its record need not share the read's transaction,
//! only be committed before the answer: nothing is shown without its record, and a request
//! whose record could not be staged answers an error. The sequencer chains the staged records
//! later, in batches of hundreds ([`audit::chain_staged`]).
//!
//! On PostgreSQL a read stages its record in its own transaction ([`Reading::in_own_transaction`],
//! [`Database::read_recorded`]: one insert into the staging table, sent with the `COMMIT` and
//! committed asynchronously). Only the records of refused reads, whose transaction is rolled
//! back, come here: with other reads under way they go to one thread per process, which stages
//! them in batches on a connection of its own (while it writes a batch, the records that arrive
//! queue for the next); alone, the request's own thread stages its record.
//!
//! On SQLite every read reads on a pooled reader connection and its own thread then stages the
//! record in the file of the reads' records ([`Database::stage_read`]), which leaves the
//! database file, and so the page caches of the reader connections, untouched.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::audit::{self, NewAuditRecord};
use crate::db::{Database, Engine};
use crate::error::StoreError;

/// The most records one batch holds.
pub const BATCH_MAX: usize = 256;

/// How long a batch waits for the records of reads still running when it opened (see
/// [`Appender::reading`]), counted from its first record.
pub const GATHER_MAX: Duration = Duration::from_micros(500);

type Answer = mpsc::Receiver<Result<Uuid, StoreError>>;

struct Job {
    record: NewAuditRecord,
    reply: mpsc::SyncSender<Result<Uuid, StoreError>>,
}

/// Hands read records to the appending thread (see the module's documentation). Cloning is
/// cheap; the thread ends when the last clone is dropped.
#[derive(Clone)]
pub struct Appender {
    jobs: mpsc::Sender<Job>,
    /// Reads under way in this process, whose records will follow.
    reading: Arc<AtomicUsize>,
    /// Records handed to the thread and not yet answered.
    waiting: Arc<AtomicUsize>,
    /// Where a read alone appends its record from its own thread.
    db: Database,
}

/// A read under way (see [`Appender::reading`]): [`Reading::append`] hands over its record;
/// dropping it without says that it has none.
#[derive(Debug)]
pub struct Reading {
    appender: Appender,
}

impl Reading {
    /// Whether the read should stage its record in its own transaction
    /// ([`Database::read_recorded`]): on PostgreSQL, where the record is one insert into the
    /// staging table, sent with the read's `COMMIT`. Not on SQLite, where that transaction would
    /// run on the writer and commit to the database file, making every reader connection
    /// discard its page cache: there the read runs on a reader connection and
    /// [`Reading::append`] stages its record in the reads' file. Never in the unaudited
    /// benchmark build, which has no record to stage and keeps the read-only path.
    pub fn in_own_transaction(&self) -> bool {
        !audit::DISABLED_FOR_BENCHMARK && self.appender.db.engine() == Engine::Postgres
    }

    /// Stages the read's record and returns its id once it is committed; the read is no longer
    /// under way once its record is handed over. On SQLite from the calling thread, in the
    /// reads' file ([`Database::stage_read`]); on PostgreSQL likewise when no other read of the
    /// process is under way and no record waits for the thread, otherwise with the records of
    /// the other reads that wait at the same time, by the appender thread. Blocks: call it from
    /// a blocking task, after the read's transaction has ended.
    pub fn append(self, record: NewAuditRecord) -> Result<Uuid, StoreError> {
        if audit::DISABLED_FOR_BENCHMARK {
            return Ok(Uuid::nil());
        }
        if self.appender.db.engine() == Engine::Sqlite || self.appender.idle_but(1) {
            let db = self.appender.db.clone();
            drop(self);
            return db.stage_read(record);
        }
        let answer = self.appender.send(record)?;
        drop(self);
        answer
            .recv()
            .map_err(|_| StoreError::Internal("the audit appender has stopped".into()))?
    }
}

/// The id of a batch of one.
fn one(ids: Result<Vec<Uuid>, StoreError>) -> Result<Uuid, StoreError> {
    ids?.into_iter()
        .next()
        .ok_or_else(|| StoreError::Internal("an audit batch returned no id".into()))
}

impl Drop for Reading {
    fn drop(&mut self) {
        self.appender.reading.fetch_sub(1, Ordering::AcqRel);
    }
}

impl std::fmt::Debug for Appender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Appender")
    }
}

impl Appender {
    /// Starts the appending thread, with a connection of its own to `db`.
    pub fn start(db: &Database) -> Result<Self, StoreError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let reading = Arc::new(AtomicUsize::new(0));
        let under_way = Arc::clone(&reading);
        let waiting = Arc::new(AtomicUsize::new(0));
        let answered = Arc::clone(&waiting);
        let mut conn = db.dedicated();
        let db = db.clone();
        std::thread::Builder::new()
            .name("audit-appender".into())
            .spawn(move || {
                while let Ok(first) = queue.recv() {
                    let batch = gather(&queue, first, &under_way);
                    let records = batch.len();
                    write(&mut conn, batch);
                    answered.fetch_sub(records, Ordering::AcqRel);
                }
            })
            .map_err(|e| {
                StoreError::Internal(format!("the audit appender could not start: {e}"))
            })?;
        Ok(Self {
            jobs,
            reading,
            waiting,
            db,
        })
    }

    /// Marks a read under way until its record is handed over with [`Reading::append`] (or the
    /// guard is dropped: a read that ends without a record). A batch waits a little (at most
    /// [`GATHER_MAX`]) for the records of the reads under way, so that under load one
    /// statement appends several records instead of one each; with no other read under way it
    /// does not wait.
    pub fn reading(&self) -> Reading {
        self.reading.fetch_add(1, Ordering::AcqRel);
        Reading {
            appender: self.clone(),
        }
    }

    /// Whether `reads` reads are under way in the process (the caller's own) and no record is
    /// waiting for the thread: a record appended now would have no batch to join.
    fn idle_but(&self, reads: usize) -> bool {
        self.reading.load(Ordering::Acquire) == reads && self.waiting.load(Ordering::Acquire) == 0
    }

    /// Queues a record; the answer comes on the returned channel.
    fn send(&self, record: NewAuditRecord) -> Result<Answer, StoreError> {
        let (reply, answer) = mpsc::sync_channel(1);
        if audit::DISABLED_FOR_BENCHMARK {
            let _ = reply.send(Ok(Uuid::nil()));
            return Ok(answer);
        }
        self.waiting.fetch_add(1, Ordering::AcqRel);
        if self.jobs.send(Job { record, reply }).is_err() {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(StoreError::Internal(
                "the audit appender has stopped".into(),
            ));
        }
        Ok(answer)
    }
}

/// A batch from its first job: what is queued, then what the reads under way hand over within
/// [`GATHER_MAX`] of the first.
fn gather(queue: &mpsc::Receiver<Job>, first: Job, under_way: &AtomicUsize) -> Vec<Job> {
    let deadline = Instant::now() + GATHER_MAX;
    let mut batch = vec![first];
    while batch.len() < BATCH_MAX {
        match queue.try_recv() {
            Ok(job) => {
                batch.push(job);
                continue;
            }
            Err(mpsc::TryRecvError::Disconnected) => break,
            Err(mpsc::TryRecvError::Empty) => {}
        }
        if under_way.load(Ordering::Acquire) == 0 {
            break;
        }
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        match queue.recv_timeout(deadline - now) {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
    batch
}

/// Stages a batch in one transaction and answers each of its requests. When the batch fails as
/// a whole, each of its records is tried alone, so that one record the database refuses fails
/// only its own request.
fn write(conn: &mut crate::db::Dedicated, batch: Vec<Job>) {
    let (records, replies): (Vec<NewAuditRecord>, Vec<_>) =
        batch.into_iter().map(|j| (j.record, j.reply)).unzip();
    match conn.write::<_, StoreError, _>(|c| audit::append_batch(c, &records)) {
        Ok(ids) => {
            for (reply, id) in replies.into_iter().zip(ids) {
                // A request that gave up waiting (its task was dropped) no longer listens.
                let _ = reply.send(Ok(id));
            }
        }
        Err(error) if replies.len() == 1 => {
            tracing::warn!(%error, "the record of a read could not be staged in the audit trail");
            for reply in replies {
                let _ = reply.send(Err(error.clone()));
            }
        }
        Err(error) => {
            tracing::warn!(%error, records = replies.len(), "a batch of read records failed; staging them one by one");
            for (reply, record) in replies.into_iter().zip(records) {
                let appended = conn.write_statement(|c| {
                    one(audit::append_batch(c, std::slice::from_ref(&record)))
                });
                let _ = reply.send(appended);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> Job {
        let (reply, _) = mpsc::sync_channel(1);
        Job {
            record: NewAuditRecord {
                occurred_at: chrono::Utc::now(),
                actor_id: None,
                actor_username: None,
                actor_roles: Vec::new(),
                action: "test.read".into(),
                resource_type: "test".into(),
                resource_id: None,
                outcome: audit::Outcome::Success,
                request_id: None,
                client_addr: None,
                details: None,
                persons: Vec::new(),
                purpose: None,
                break_glass: false,
                read_only: true,
            },
            reply,
        }
    }

    #[test]
    fn a_batch_takes_what_is_queued_and_waits_only_while_reads_are_under_way() {
        let (jobs, queue) = mpsc::channel();
        for _ in 0..3 {
            jobs.send(job()).unwrap();
        }
        let idle = AtomicUsize::new(0);
        let started = Instant::now();
        let batch = gather(&queue, job(), &idle);
        assert_eq!(batch.len(), 4, "the first and the three queued");
        assert!(
            started.elapsed() < GATHER_MAX * 20,
            "no read under way: no waiting"
        );

        // One read under way that never hands over: the batch waits for it, at most GATHER_MAX.
        let busy = AtomicUsize::new(1);
        let started = Instant::now();
        let batch = gather(&queue, job(), &busy);
        assert_eq!(batch.len(), 1);
        assert!(started.elapsed() >= GATHER_MAX, "{:?}", started.elapsed());

        // Never more than BATCH_MAX.
        for _ in 0..BATCH_MAX + 5 {
            jobs.send(job()).unwrap();
        }
        assert_eq!(gather(&queue, job(), &idle).len(), BATCH_MAX);
        // The next batch: its own first record and the 6 left in the queue.
        assert_eq!(gather(&queue, job(), &idle).len(), 7);
    }

    #[test]
    fn a_record_is_staged_by_its_own_thread_only_while_no_other_read_is_under_way_and_none_waits() {
        let path = std::env::temp_dir().join(format!("appender-{}.db", Uuid::new_v4()));
        let db = Database::connect(
            &format!("sqlite://{}", path.display()),
            &crate::db::PoolOptions::default(),
        )
        .unwrap();
        let appender = Appender::start(&db).unwrap();
        let first = appender.reading();
        assert!(appender.idle_but(1));
        let second = appender.reading();
        assert!(!appender.idle_but(1), "the first is still under way");
        assert!(
            !second.in_own_transaction(),
            "SQLite: a read never stages its record on the writer"
        );
        drop(first);
        drop(second);
        assert_eq!(appender.reading.load(Ordering::Acquire), 0);
        let alone = appender.reading();
        assert!(appender.idle_but(1), "both have ended");
        // A record waiting for the thread: the next record has a batch to join.
        appender.waiting.fetch_add(1, Ordering::AcqRel);
        assert!(!appender.idle_but(1));
        appender.waiting.fetch_sub(1, Ordering::AcqRel);
        drop(alone);
        for file in crate::db::sqlite_files(&path) {
            let _ = std::fs::remove_file(file);
        }
    }
}
