//! The staging of read records: the audit records of reads, staged by group commit.
//!
//! A read changes nothing but the trail, so its record need not share the read's transaction,
//! only be committed before the answer: nothing is shown without its record, and a request
//! whose record could not be staged answers an error. The sequencer chains the staged records
//! later, in batches of hundreds ([`audit::chain_staged`]).
//!
//! Reads that finish at the same time stage their records together ([`StagingGroup`]): the
//! first of them writes, in one transaction, its own record and those of every read that
//! queued while the previous group was being written, and the others wait for that commit
//! (group commit, as the SQLite writer does for writes). One transaction per group instead of
//! one per read: on SQLite one commit of the reads' file, on PostgreSQL one transaction id, one
//! insert of several rows and one commit record.
//!
//! On PostgreSQL the read runs in a `REPEATABLE READ` transaction ([`Reading::in_own_transaction`],
//! [`Database::read_recorded`]); a read that leads a group inserts the group's records with its
//! own `COMMIT`, in the same round trip, and a read that joins a group being written commits its
//! transaction (which wrote nothing) and waits. Refused reads, whose transaction is rolled back,
//! stage their records through the group from a transaction of their own.
//!
//! On SQLite every read reads on a pooled reader connection and its own thread then stages the
//! record, through the group, in the file of the reads' records ([`Database::stage_read`]),
//! which leaves the database file, and so the page caches of the reader connections, untouched.

use std::collections::{HashMap, VecDeque};
use std::sync::{Condvar, Mutex, PoisonError};

use uuid::Uuid;

use crate::audit::{self, NewAuditRecord};
use crate::db::{Database, Engine};
use crate::error::StoreError;

/// The most records one group holds.
pub const GROUP_MAX: usize = 256;

/// The outcome of staging one record: its id, or why it was not staged.
pub type Staged = Result<Uuid, StoreError>;

/// Read records waiting to be staged together (see the module's documentation).
///
/// A record joins ([`StagingGroup::join`]): when no group is being written, its caller leads a
/// new group ([`Joined::Lead`]) made of its own record and those queued, writes it and reports
/// each record's outcome ([`Batch::finish`]); otherwise it waits ([`StagingGroup::wait`]) until
/// a group holding its record is finished, or until it may lead the next group itself. Every
/// record is in exactly one group, and every caller learns the outcome of its own record.
#[derive(Debug, Default)]
pub struct StagingGroup {
    state: Mutex<GroupState>,
    turn: Condvar,
}

#[derive(Debug, Default)]
struct GroupState {
    /// Records waiting for a group, with their tickets, in the order they came.
    queue: VecDeque<(u64, NewAuditRecord)>,
    /// Whether a group is being written.
    writing: bool,
    /// The next ticket.
    next: u64,
    /// Outcomes of finished groups, by ticket, until their callers take them.
    done: HashMap<u64, Staged>,
    /// Records withdrawn while their group was being written: their outcomes are not kept.
    withdrawn: std::collections::HashSet<u64>,
    /// Groups finished, and the records they held (for the tests and the documentation's figures).
    groups: u64,
    records: u64,
}

/// How a [`StagingGroup`] stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupStats {
    /// Groups written (finished) so far.
    pub groups: u64,
    /// Records those groups held.
    pub records: u64,
    /// Records waiting for a group.
    pub queued: usize,
    /// Whether a group is being written.
    pub writing: bool,
}

/// What a record's caller does next (see [`StagingGroup`]).
#[derive(Debug)]
pub enum Joined<'a> {
    /// Write this group (the caller's own record first) and [`Batch::finish`] it.
    Lead(Batch<'a>),
    /// The record waits in the queue: call [`StagingGroup::wait`] with this ticket.
    Wait(u64),
    /// The record's group was written: its outcome.
    Done(Staged),
}

/// A group to write, led by the caller whose record comes first. Dropped without
/// [`Batch::finish`] (a panic while writing), it reports an error for every record of the others
/// and lets the next group start.
#[derive(Debug)]
pub struct Batch<'a> {
    group: &'a StagingGroup,
    tickets: Vec<u64>,
    records: Vec<NewAuditRecord>,
}

impl StagingGroup {
    fn lock(&self) -> std::sync::MutexGuard<'_, GroupState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `record` and tells its caller what to do next.
    pub fn join(&self, record: NewAuditRecord) -> Joined<'_> {
        let mut state = self.lock();
        let ticket = state.next;
        state.next += 1;
        state.queue.push_back((ticket, record));
        self.turn_of(&mut state, ticket)
            .unwrap_or(Joined::Wait(ticket))
    }

    /// Waits until the record of `ticket` was written by a group ([`Joined::Done`]) or its
    /// caller may lead the next group ([`Joined::Lead`]).
    pub fn wait(&self, ticket: u64) -> Joined<'_> {
        let mut state = self.lock();
        loop {
            if let Some(next) = self.turn_of(&mut state, ticket) {
                return next;
            }
            state = self
                .turn
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Stages `record` with the records of the others waiting: `write` is called by whichever
    /// caller leads a group, with the group's records, and answers one outcome per record, in
    /// order. Returns once the record's group is written.
    pub fn stage<W>(&self, record: NewAuditRecord, mut write: W) -> Staged
    where
        W: FnMut(&[NewAuditRecord]) -> Vec<Staged>,
    {
        let mut joined = self.join(record);
        loop {
            joined = match joined {
                Joined::Done(staged) => return staged,
                Joined::Wait(ticket) => self.wait(ticket),
                Joined::Lead(batch) => {
                    let outcomes = write(batch.records());
                    return batch.finish(outcomes);
                }
            };
        }
    }

    /// Withdraws the record of `ticket`, whose caller no longer waits (its read failed after
    /// joining, see [`Database::read_recorded`]): still queued, it leaves the queue and is not
    /// staged; taken by a group being written, its outcome is not kept.
    pub fn withdraw(&self, ticket: u64) {
        let mut state = self.lock();
        if let Some(queued) = state.queue.iter().position(|(t, _)| *t == ticket) {
            state.queue.remove(queued);
        } else if state.done.remove(&ticket).is_none() {
            state.withdrawn.insert(ticket);
        }
    }

    /// How the group stands now.
    pub fn stats(&self) -> GroupStats {
        let state = self.lock();
        GroupStats {
            groups: state.groups,
            records: state.records,
            queued: state.queue.len(),
            writing: state.writing,
        }
    }

    /// The outcome for `ticket`, or a group to lead when none is being written; `None`: wait.
    fn turn_of(&self, state: &mut GroupState, ticket: u64) -> Option<Joined<'_>> {
        if let Some(staged) = state.done.remove(&ticket) {
            return Some(Joined::Done(staged));
        }
        if state.writing {
            return None;
        }
        // No group is being written, so the record is still queued: whoever took it out would
        // have reported its outcome before the group ended. It leads, first of its group.
        let own = state.queue.iter().position(|(t, _)| *t == ticket)?;
        let (own_ticket, own_record) = state.queue.remove(own)?;
        let others = state.queue.len().min(GROUP_MAX - 1);
        let mut tickets = Vec::with_capacity(others + 1);
        let mut records = Vec::with_capacity(others + 1);
        tickets.push(own_ticket);
        records.push(own_record);
        for (t, r) in state.queue.drain(..others) {
            tickets.push(t);
            records.push(r);
        }
        state.writing = true;
        Some(Joined::Lead(Batch {
            group: self,
            tickets,
            records,
        }))
    }
}

impl Batch<'_> {
    /// The group's records, the leader's own first.
    pub fn records(&self) -> &[NewAuditRecord] {
        &self.records
    }

    /// Reports each record's outcome (in the order of [`Batch::records`]; a missing one is an
    /// error), ends the group so that the next can start, and returns the leader's own.
    pub fn finish(mut self, outcomes: Vec<Staged>) -> Staged {
        let mut outcomes = outcomes.into_iter();
        let tickets = std::mem::take(&mut self.tickets);
        let count = tickets.len();
        let mut state = self.group.lock();
        let mut own = None;
        for ticket in tickets {
            let outcome = outcomes.next().unwrap_or_else(|| {
                Err(StoreError::Internal(
                    "a group of audit records reported too few outcomes".into(),
                ))
            });
            if own.is_none() {
                own = Some(outcome);
            } else if !state.withdrawn.remove(&ticket) {
                state.done.insert(ticket, outcome);
            }
        }
        state.writing = false;
        state.groups += 1;
        state.records += u64::try_from(count).unwrap_or(0);
        drop(state);
        self.group.turn.notify_all();
        own.unwrap_or_else(|| {
            Err(StoreError::Internal(
                "an empty group of audit records".into(),
            ))
        })
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        if self.tickets.is_empty() {
            return;
        }
        let mut state = self.group.lock();
        for ticket in self.tickets.iter().skip(1) {
            if state.withdrawn.remove(ticket) {
                continue;
            }
            state.done.insert(
                *ticket,
                Err(StoreError::Internal(
                    "the group staging this audit record failed".into(),
                )),
            );
        }
        state.writing = false;
        drop(state);
        self.group.turn.notify_all();
    }
}

/// Hands the records of reads to their staging (see the module's documentation). Cloning is
/// cheap.
#[derive(Clone)]
pub struct Appender {
    db: Database,
}

/// A read under way (see [`Appender::reading`]): [`Reading::append`] stages its record.
#[derive(Debug)]
pub struct Reading {
    db: Database,
}

impl Reading {
    /// Whether the read should run with its record in its own transaction
    /// ([`Database::read_recorded`]): on PostgreSQL, where a read that leads a group inserts
    /// the group's records with its `COMMIT`. Not on SQLite, where that transaction would run on
    /// the writer and commit to the database file, making every reader connection discard its
    /// page cache: there the read runs on a reader connection and [`Reading::append`] stages its
    /// record in the reads' file. Never in the unaudited benchmark build, which has no record to
    /// stage and keeps the read-only path.
    pub fn in_own_transaction(&self) -> bool {
        !audit::DISABLED_FOR_BENCHMARK && self.db.engine() == Engine::Postgres
    }

    /// Stages the record of a read whose transaction has ended (or was refused) and returns its
    /// id once it is committed ([`Database::stage_read`]). Blocks: call it from a blocking task.
    pub fn append(self, record: NewAuditRecord) -> Result<Uuid, StoreError> {
        if audit::DISABLED_FOR_BENCHMARK {
            return Ok(Uuid::nil());
        }
        self.db.stage_read(record)
    }
}

impl std::fmt::Debug for Appender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Appender")
    }
}

impl Appender {
    /// The staging of the read records of `db`.
    pub fn start(db: &Database) -> Result<Self, StoreError> {
        Ok(Self { db: db.clone() })
    }

    /// A read about to run, whose record [`Reading::append`] stages.
    pub fn reading(&self) -> Reading {
        Reading {
            db: self.db.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};
    use std::time::Duration;

    fn record(action: &str) -> NewAuditRecord {
        NewAuditRecord {
            occurred_at: chrono::Utc::now(),
            actor_id: None,
            actor_username: None,
            actor_roles: Vec::new(),
            action: action.into(),
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
        }
    }

    /// Joins `action`'s record, expecting to lead a group (nothing is being written).
    fn leads<'a>(group: &'a StagingGroup, action: &str) -> Batch<'a> {
        match group.join(record(action)) {
            Joined::Lead(batch) => batch,
            other => panic!("{action} should lead: {other:?}"),
        }
    }

    /// Joins `action`'s record, expecting it to wait (a group is being written).
    fn waits(group: &StagingGroup, action: &str) -> u64 {
        match group.join(record(action)) {
            Joined::Wait(ticket) => ticket,
            other => panic!("{action} should wait: {other:?}"),
        }
    }

    /// An id that says which record it was given for.
    fn id_of(action: &str) -> Uuid {
        let mut bytes = [0_u8; 16];
        for (i, b) in action.bytes().enumerate() {
            bytes[i % 16] ^= b.rotate_left(u32::try_from(i / 16).unwrap_or(0));
        }
        Uuid::from_bytes(bytes)
    }

    #[test]
    fn records_that_come_while_a_group_is_written_are_staged_by_one_next_group_each_answered_its_own()
     {
        const CALLERS: usize = 8;
        let group = Arc::new(StagingGroup::default());
        let writes = Arc::new(AtomicUsize::new(0));
        let start = Arc::new(Barrier::new(CALLERS));
        let callers: Vec<_> = (0..CALLERS)
            .map(|n| {
                let (group, writes, start) = (group.clone(), writes.clone(), start.clone());
                std::thread::spawn(move || {
                    let action = format!("read.{n}");
                    if n > 0 {
                        // The first leads a slow group; the others come while it is written.
                        start.wait();
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    let staged = group.stage(record(&action), |records| {
                        if writes.fetch_add(1, Ordering::SeqCst) == 0 {
                            start.wait();
                            std::thread::sleep(Duration::from_millis(400));
                        }
                        records.iter().map(|r| Ok(id_of(&r.action))).collect()
                    });
                    assert_eq!(staged.unwrap(), id_of(&action), "each caller its own id");
                })
            })
            .collect();
        for caller in callers {
            caller.join().unwrap();
        }
        let stats = group.stats();
        assert_eq!(
            (stats.groups, stats.records),
            (2, CALLERS as u64),
            "the first alone, then the seven that came while it was written, in one group"
        );
    }

    #[test]
    fn a_refused_record_fails_only_its_own_caller() {
        let group = StagingGroup::default();
        // Two records queued behind a group being written.
        let first = leads(&group, "first");
        let good = waits(&group, "good");
        let bad = waits(&group, "bad");
        assert_eq!(
            first.finish(vec![Ok(id_of("first"))]).unwrap(),
            id_of("first")
        );

        // The next group: whichever waiting caller comes first leads it, with both records.
        let Joined::Lead(next) = group.wait(bad) else {
            panic!("no group is being written: the waiting record leads")
        };
        let actions: Vec<_> = next.records().iter().map(|r| r.action.clone()).collect();
        assert_eq!(actions, ["bad", "good"], "its own first, then the queue");
        let refused = StoreError::Internal("refused".into());
        assert_eq!(
            next.finish(vec![Err(refused.clone()), Ok(id_of("good"))]),
            Err(refused)
        );
        assert!(matches!(group.wait(good), Joined::Done(Ok(id)) if id == id_of("good")));

        let stats = group.stats();
        assert_eq!((stats.groups, stats.records, stats.queued), (2, 3, 0));
    }

    #[test]
    fn a_withdrawn_record_is_not_staged_or_its_outcome_not_kept() {
        let group = StagingGroup::default();
        let first = leads(&group, "first");
        let queued = waits(&group, "queued");
        group.withdraw(queued);
        assert_eq!(group.stats().queued, 0, "out of the queue");
        first.finish(vec![Ok(id_of("first"))]).unwrap();

        // Taken by a group being written, then withdrawn: its outcome is dropped.
        let a = leads(&group, "a");
        let b = waits(&group, "b");
        a.finish(vec![Ok(id_of("a"))]).unwrap();
        let c = leads(&group, "c");
        assert_eq!(c.records().len(), 2, "c leads and takes b");
        group.withdraw(b);
        c.finish(vec![Ok(id_of("c")), Ok(id_of("b"))]).unwrap();
        let state = group.lock();
        assert!(state.done.is_empty() && state.withdrawn.is_empty());
        drop(state);
        assert_eq!(group.stats().records, 4, "first, a, then c and b");
    }

    #[test]
    fn a_panicking_leader_reports_an_error_to_the_records_it_took() {
        let group = StagingGroup::default();
        let lost = leads(&group, "lost");
        let other = waits(&group, "other");
        // "other" is still queued: the lost group does not hold it, so it leads the next.
        drop(lost);
        let Joined::Lead(next) = group.wait(other) else {
            panic!("the queued record leads the next group")
        };
        let taken = waits(&group, "taken");
        assert_eq!(next.records().len(), 1);
        drop(next);
        // "taken" came after the group was formed: it leads its own, after the failed one.
        assert!(matches!(group.wait(taken), Joined::Lead(_)));

        // A group that took others and was dropped: they are told it failed.
        let group = StagingGroup::default();
        let a = leads(&group, "a");
        let b = waits(&group, "b");
        a.finish(vec![Ok(id_of("a"))]).unwrap();
        let c = leads(&group, "c");
        assert_eq!(c.records().len(), 2, "c leads and takes b");
        drop(c);
        assert!(matches!(
            group.wait(b),
            Joined::Done(Err(StoreError::Internal(_)))
        ));
    }
}
