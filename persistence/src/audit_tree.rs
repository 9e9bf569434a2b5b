//! The verifiable audit log: the audit records, in `seq` order, are the leaves of a Merkle tree
//! hashed as RFC 9162 says (leaf = SHA-256(0x00 ‖ the record's [canonical
//! bytes](audit::canonical_bytes)), node = SHA-256(0x01 ‖ left ‖ right)).
//!
//! The tree's arithmetic (which hashes to store, roots, inclusion and consistency proofs and
//! their checks) is `tlog_tiles::tlog`, a port of the Go checksum database's `tlog` package
//! whose proofs are those of Certificate Transparency; this module stores its hashes and reads
//! them back. `audit_tree_hashes` keeps the hash of every complete subtree at its *stored hash
//! index* (about two per record), so that any root or proof takes one read of O(log n) rows.
//!
//! The sequencer ([`integrate`]) takes the records chained since the last batch, checks each
//! one's chain link (a record whose hash or `prev_hash` does not hold never enters the tree),
//! stores their hashes, and moves the head (`audit_tree_head`) with the checkpoint its caller
//! signs. [`verify_against`] proves, by streaming every record, that today's log extends a
//! checkpoint kept outside the database.

use std::cell::RefCell;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Bool;
use tlog_tiles::tlog::{self, HashReader};

use crate::audit::{self, AuditRow, BrokenLink};
use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{audit_cosignatures, audit_records, audit_tree_hashes, audit_tree_head};
use crate::sql_types::DbInstant;

pub use tlog_tiles::tlog::Hash;

/// How many records one batch of the sequencer integrates at most.
pub const BATCH: i64 = 2000;

/// Rows per `IN (…)` list or multi-row insert.
const CHUNK: usize = 500;

/// The key of the PostgreSQL advisory lock that one sequencer holds while it integrates a batch
/// (the bytes of `sc-audit`): with several server processes, one sequences at a time.
const SEQUENCER_LOCK: i64 = 0x7363_2d61_7564_6974;

/// The tree's head.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeHead {
    /// How many records the tree holds (the records with `seq` 1 to `size`).
    pub size: u64,
    /// Its root hash.
    pub root: Hash,
    /// The chain hash of record `size` (the genesis hash when empty).
    pub last_record_hash: String,
    /// The last signed checkpoint (signed-note text), `None` before the first batch.
    pub checkpoint: Option<String>,
    /// When the head last moved.
    pub updated_at: DateTime<Utc>,
}

fn hash_of(bytes: &[u8]) -> Result<Hash, StoreError> {
    let array: [u8; 32] = bytes
        .try_into()
        .map_err(|_| StoreError::Internal("a stored tree hash is not 32 bytes".into()))?;
    Ok(Hash(array))
}

fn signed(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Internal("tree index out of range".into()))
}

/// Reads the tree's head.
pub fn head(conn: &mut AnyConnection) -> Result<TreeHead, StoreError> {
    type HeadRow = (i64, Vec<u8>, String, Option<String>, DbInstant);
    let row: Option<HeadRow> = audit_tree_head::table
        .find(1)
        .select((
            audit_tree_head::size,
            audit_tree_head::root_hash,
            audit_tree_head::last_record_hash,
            audit_tree_head::checkpoint,
            audit_tree_head::updated_at,
        ))
        .first(conn)
        .optional()?;
    let (size, root, last_record_hash, checkpoint, updated_at) =
        row.ok_or_else(|| StoreError::Internal("the audit tree's head is missing".into()))?;
    Ok(TreeHead {
        size: u64::try_from(size).unwrap_or(0),
        root: hash_of(&root)?,
        last_record_hash,
        checkpoint,
        updated_at: updated_at.0,
    })
}

/// Reads stored hashes from the database, remembering what it read and what the current batch
/// computed (`read_hashes` takes `&self`: the connection and the maps sit in cells).
struct StoredHashes<'c> {
    conn: RefCell<&'c mut AnyConnection>,
    known: RefCell<HashMap<u64, Hash>>,
    failure: RefCell<Option<StoreError>>,
}

impl<'c> StoredHashes<'c> {
    fn new(conn: &'c mut AnyConnection) -> Self {
        Self {
            conn: RefCell::new(conn),
            known: RefCell::new(HashMap::new()),
            failure: RefCell::new(None),
        }
    }

    fn load(&self, missing: &[u64]) -> Result<(), StoreError> {
        let mut conn = self.conn.borrow_mut();
        let mut known = self.known.borrow_mut();
        for chunk in missing.chunks(CHUNK) {
            let wanted: Vec<i64> = chunk.iter().map(|&i| signed(i)).collect::<Result<_, _>>()?;
            let rows: Vec<(i64, Vec<u8>)> = audit_tree_hashes::table
                .filter(audit_tree_hashes::idx.eq_any(wanted))
                .select((audit_tree_hashes::idx, audit_tree_hashes::hash))
                .load(*conn)?;
            for (idx, hash) in rows {
                known.insert(u64::try_from(idx).unwrap_or(0), hash_of(&hash)?);
            }
        }
        Ok(())
    }

    /// Turns a failure of the tree arithmetic into the store error behind it, if any.
    fn error(&self, e: tlog::Error) -> StoreError {
        self.failure
            .borrow_mut()
            .take()
            .unwrap_or_else(|| StoreError::Internal(format!("audit tree: {e}")))
    }
}

impl HashReader for StoredHashes<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog::Error> {
        let missing: Vec<u64> = {
            let known = self.known.borrow();
            indexes
                .iter()
                .copied()
                .filter(|i| !known.contains_key(i))
                .collect()
        };
        if !missing.is_empty()
            && let Err(e) = self.load(&missing)
        {
            *self.failure.borrow_mut() = Some(e);
            return Err(tlog::Error::InvalidInput(
                "the stored hashes cannot be read".into(),
            ));
        }
        let known = self.known.borrow();
        let mut out = Vec::with_capacity(indexes.len());
        for i in indexes {
            match known.get(i) {
                Some(h) => out.push(*h),
                None => {
                    *self.failure.borrow_mut() = Some(StoreError::Internal(format!(
                        "the audit tree's stored hash {i} is missing"
                    )));
                    return Err(tlog::Error::IndexesNotInTree);
                }
            }
        }
        Ok(out)
    }
}

/// The leaf hash of a record: SHA-256(0x00 ‖ its canonical bytes).
pub fn leaf_hash(row: &AuditRow, persons: &[uuid::Uuid]) -> Hash {
    tlog::record_hash(&audit::canonical_bytes(row, persons))
}

/// What a batch of the sequencer did.
#[derive(Debug, Clone, PartialEq)]
pub enum Integration {
    /// Another process holds the sequencer's lock (PostgreSQL): nothing done.
    Busy,
    /// Nothing new to integrate.
    Idle,
    /// Records `from + 1` to `to` (by `seq`) entered the tree; the head is at `to` with this
    /// checkpoint.
    Integrated {
        /// The tree's size before.
        from: u64,
        /// The tree's size after.
        to: u64,
        /// The checkpoint signed for the new size.
        checkpoint: String,
    },
    /// The record after the tree's last one breaks the chain: it was not integrated (nor
    /// anything after it). The records before it in the batch were.
    Broken {
        /// The tree's size after the records before it were integrated.
        size: u64,
        /// The checkpoint signed for that size, when the batch integrated records before it.
        checkpoint: Option<String>,
        /// What is wrong.
        link: BrokenLink,
    },
}

/// The tree's size as stored in its head (0 before the first batch).
fn tree_size(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    let size: Option<i64> = audit_tree_head::table
        .find(1)
        .select(audit_tree_head::size)
        .first(conn)
        .optional()?;
    Ok(size.unwrap_or(0))
}

/// Whether records past the tree's size exist, chained or staged (a cheap read, to skip a
/// write transaction).
pub fn pending(conn: &mut AnyConnection) -> Result<bool, StoreError> {
    if audit::any_staged(conn)? {
        return Ok(true);
    }
    let size = tree_size(conn)?;
    let next: Option<i64> = audit_records::table
        .filter(audit_records::seq.gt(size))
        .select(audit_records::seq)
        .order(audit_records::seq.asc())
        .first(conn)
        .optional()?;
    Ok(next.is_some())
}

/// What waits for the sequencer: the records staged, and those chained past the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backlog {
    /// The tree's size.
    pub size: u64,
    /// How many records are not yet in the tree (staged, or chained past it).
    pub records: u64,
    /// The earliest `occurred_at` among them: the first chained past the tree, or the oldest
    /// staged (`None` when there are none).
    pub oldest: Option<DateTime<Utc>>,
}

/// How many records wait for the sequencer and since when (the Prometheus gauges and the
/// merge-delay benchmark read it). Two lookups by key, whatever the size of the trail (the
/// chain has no gaps, so the records chained past the tree are the chain head's `seq` less the
/// tree's size, and the first of them is record `size + 1`), and one aggregate over the
/// staging table, which holds at most the merge delay's records.
pub fn backlog(conn: &mut AnyConnection) -> Result<Backlog, StoreError> {
    use crate::schema::audit_chain_head;
    let size = tree_size(conn)?;
    let last: Option<i64> = audit_chain_head::table
        .find(1)
        .select(audit_chain_head::last_seq)
        .first(conn)
        .optional()?;
    let records = last.unwrap_or(0).saturating_sub(size).max(0);
    let oldest: Option<DbInstant> = if records > 0 {
        audit_records::table
            .filter(audit_records::seq.eq(size + 1))
            .select(audit_records::occurred_at)
            .first(conn)
            .optional()?
    } else {
        None
    };
    let (staged, oldest_staged) = audit::staged(conn)?;
    let oldest = match (oldest.map(|t| t.0), oldest_staged) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    Ok(Backlog {
        size: u64::try_from(size).unwrap_or(0),
        records: u64::try_from(records).unwrap_or(0) + staged,
        oldest,
    })
}

/// An `audit_tree_hashes` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_tree_hashes)]
struct StoredHash {
    idx: i64,
    hash: Vec<u8>,
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

/// Chains up to `limit` staged records ([`audit::chain_staged`]), then integrates up to `limit`
/// chained records beyond the tree's size, in `seq` order, and moves the head; `sign` returns
/// the checkpoint text of a tree size and root. Run it in a write transaction (on PostgreSQL
/// `READ COMMITTED`): on PostgreSQL it first takes the sequencer's transaction-level advisory
/// lock (or returns [`Integration::Busy`]).
pub fn integrate(
    conn: &mut AnyConnection,
    limit: i64,
    now: DateTime<Utc>,
    sign: &dyn Fn(u64, &Hash) -> Result<String, String>,
) -> Result<Integration, StoreError> {
    if let AnyConnection::Postgresql(pg) = conn {
        let lock: Locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
            .bind::<diesel::sql_types::BigInt, _>(SEQUENCER_LOCK)
            .get_result(pg)?;
        if !lock.locked {
            return Ok(Integration::Busy);
        }
    }
    audit::chain_staged(conn, limit)?;
    let start = head(conn)?;
    let rows: Vec<AuditRow> = audit_records::table
        .select(AuditRow::as_select())
        .filter(audit_records::seq.gt(signed(start.size)?))
        .order(audit_records::seq.asc())
        .limit(limit)
        .load(conn)?;
    if rows.is_empty() {
        return Ok(Integration::Idle);
    }
    let ids: Vec<_> = rows.iter().map(|r| r.id).collect();
    let mut persons = audit::persons_of(conn, &ids)?;
    let reader = StoredHashes::new(conn);
    let mut size = start.size;
    let mut prev = start.last_record_hash.clone();
    let mut fresh: Vec<StoredHash> = Vec::new();
    let mut broken = None;
    for row in &rows {
        let expected = signed(size + 1)?;
        let links = persons.remove(&row.id.0).unwrap_or_default();
        // One encoding for the chain hash and the leaf.
        let encoding = audit::canonical_bytes(row, &links);
        let fault = if row.seq != expected {
            // A gap: the records after it wait until it is there (or verification reports it).
            Some(format!(
                "record {expected} is missing (the next record has seq {})",
                row.seq
            ))
        } else if row.prev_hash != prev {
            Some(format!(
                "prev_hash does not match the hash of record {}",
                expected - 1
            ))
        } else if audit::hash_of_encoding(&encoding) != row.hash {
            Some("the stored hash does not match the record's content: the record or its persons were changed".into())
        } else {
            None
        };
        if let Some(reason) = fault {
            broken = Some(BrokenLink {
                seq: expected,
                id: (row.seq == expected).then_some(row.id.0),
                reason,
            });
            break;
        }
        let leaf = tlog::record_hash(&encoding);
        let hashes = tlog::stored_hashes_for_record_hash(size, leaf, &reader)
            .map_err(|e| reader.error(e))?;
        let first = tlog::stored_hash_index(0, size);
        let mut known = reader.known.borrow_mut();
        for (k, h) in hashes.into_iter().enumerate() {
            let idx = first + k as u64;
            known.insert(idx, h);
            fresh.push(StoredHash {
                idx: signed(idx)?,
                hash: h.0.to_vec(),
            });
        }
        drop(known);
        size += 1;
        prev = row.hash.clone();
    }
    let result = if size == start.size {
        None
    } else {
        let root = tlog::tree_hash(size, &reader).map_err(|e| reader.error(e))?;
        Some(root)
    };
    drop(reader);
    let Some(root) = result else {
        return Ok(match broken {
            Some(link) => Integration::Broken {
                size,
                checkpoint: None,
                link,
            },
            None => Integration::Idle,
        });
    };
    store(conn, &fresh)?;
    let checkpoint = sign(size, &root).map_err(StoreError::Internal)?;
    diesel::update(audit_tree_head::table.find(1))
        .set((
            audit_tree_head::size.eq(signed(size)?),
            audit_tree_head::root_hash.eq(root.0.as_slice()),
            audit_tree_head::last_record_hash.eq(&prev),
            audit_tree_head::checkpoint.eq(&checkpoint),
            audit_tree_head::updated_at.eq(DbInstant(now)),
        ))
        .execute(conn)?;
    Ok(match broken {
        Some(link) => Integration::Broken {
            size,
            checkpoint: Some(checkpoint),
            link,
        },
        None => Integration::Integrated {
            from: start.size,
            to: size,
            checkpoint,
        },
    })
}

/// Writes stored hashes, 500 to a statement.
fn store(conn: &mut AnyConnection, rows: &[StoredHash]) -> Result<(), StoreError> {
    for chunk in rows.chunks(CHUNK) {
        // One multi-row INSERT per chunk; the multi-backend connection has no batch insert.
        match conn {
            AnyConnection::Postgresql(c) => diesel::insert_into(audit_tree_hashes::table)
                .values(chunk)
                .execute(c)?,
            AnyConnection::Sqlite(c) => diesel::insert_into(audit_tree_hashes::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(())
}

/// Writes the stored hashes `hashes` at the consecutive indexes from `first`, as the sequencer
/// does: for the benchmark of proofs (`socialcare-bench audit-proofs`), which fills a scratch
/// database's tree without records.
pub fn store_hashes(
    conn: &mut AnyConnection,
    first: u64,
    hashes: &[Hash],
) -> Result<(), StoreError> {
    let rows = hashes
        .iter()
        .enumerate()
        .map(|(k, h)| {
            Ok(StoredHash {
                idx: signed(first + k as u64)?,
                hash: h.0.to_vec(),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    store(conn, &rows)
}

/// Where a record stands in the log.
#[derive(Debug, Clone, PartialEq)]
pub enum Placement {
    /// Chained, not yet in the tree (the sequencer takes it within the merge delay).
    Staged,
    /// The leaf at this index (`seq - 1`) of every tree from `index + 1` records on.
    Integrated {
        /// Its leaf index.
        index: u64,
        /// Its leaf hash.
        leaf: Hash,
    },
}

/// Where the record with chain position `seq` stands, given the tree's size.
pub fn placement(
    conn: &mut AnyConnection,
    seq: i64,
    tree_size: u64,
) -> Result<Placement, StoreError> {
    let index = u64::try_from(seq - 1)
        .map_err(|_| StoreError::Internal("a record's seq is below 1".into()))?;
    if index >= tree_size {
        return Ok(Placement::Staged);
    }
    let reader = StoredHashes::new(conn);
    let leaf = reader
        .read_hashes(&[tlog::stored_hash_index(0, index)])
        .map_err(|e| reader.error(e))?;
    Ok(Placement::Integrated {
        index,
        leaf: leaf[0],
    })
}

/// The root hash of the tree of the first `size` records (`size` at most the tree's size).
pub fn root_at(conn: &mut AnyConnection, size: u64) -> Result<Hash, StoreError> {
    let reader = StoredHashes::new(conn);
    tlog::tree_hash(size, &reader).map_err(|e| reader.error(e))
}

/// The inclusion proof (RFC 9162 §2.1.3) of leaf `index` in the tree of `size` records.
pub fn inclusion_proof(
    conn: &mut AnyConnection,
    size: u64,
    index: u64,
) -> Result<Vec<Hash>, StoreError> {
    let reader = StoredHashes::new(conn);
    tlog::prove_record(size, index, &reader).map_err(|e| reader.error(e))
}

/// The consistency proof (RFC 9162 §2.1.4) that the tree of `first` records is a prefix of the
/// tree of `second` records (`first` ≤ `second` ≤ the tree's size); empty when `first` is 0 (the
/// empty tree is a prefix of every tree) or equals `second`.
pub fn consistency_proof(
    conn: &mut AnyConnection,
    first: u64,
    second: u64,
) -> Result<Vec<Hash>, StoreError> {
    if first == 0 || first == second {
        return Ok(Vec::new());
    }
    let reader = StoredHashes::new(conn);
    tlog::prove_tree(second, first, &reader).map_err(|e| reader.error(e))
}

/// The root of a growing sequence of leaves, kept as the roots of its complete subtrees (at
/// most 64 hashes whatever the size): what lets a verification stream any number of records in
/// constant memory.
#[derive(Debug, Default, Clone)]
pub struct CompactRange {
    size: u64,
    /// `(height, hash)` of each complete subtree, the largest first.
    peaks: Vec<(u32, Hash)>,
}

impl CompactRange {
    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut node = (0_u32, leaf);
        while let Some(&(height, left)) = self.peaks.last() {
            if height != node.0 {
                break;
            }
            self.peaks.pop();
            node = (height + 1, tlog::node_hash(left, node.1));
        }
        self.peaks.push(node);
        self.size += 1;
    }

    /// How many leaves it holds.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The RFC 9162 root of the leaves so far (the empty tree's hash when there are none).
    pub fn root(&self) -> Hash {
        let mut peaks = self.peaks.iter().rev();
        let Some(&(_, mut hash)) = peaks.next() else {
            return tlog::EMPTY_HASH;
        };
        for &(_, left) in peaks {
            hash = tlog::node_hash(left, hash);
        }
        hash
    }
}

/// A tree's stored hashes in memory, in stored-hash-index order: what the sequencer writes to
/// `audit_tree_hashes`, for the tests of the arithmetic and the benchmark that fills a tree.
#[derive(Debug, Default)]
pub struct InMemoryHashes {
    hashes: RefCell<Vec<Hash>>,
    leaves: std::cell::Cell<u64>,
}

impl InMemoryHashes {
    /// Appends the next leaf and the hashes of the subtrees it completes.
    pub fn append(&self, leaf: Hash) -> Result<(), tlog::Error> {
        let n = self.leaves.get();
        let hashes = tlog::stored_hashes_for_record_hash(n, leaf, self)?;
        self.hashes.borrow_mut().extend(hashes);
        self.leaves.set(n + 1);
        Ok(())
    }

    /// How many hashes it holds.
    pub fn len(&self) -> u64 {
        self.hashes.borrow().len() as u64
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.hashes.borrow().is_empty()
    }

    /// The hashes from stored index `from` on.
    pub fn since(&self, from: u64) -> Vec<Hash> {
        let all = self.hashes.borrow();
        all.get(usize::try_from(from).unwrap_or(usize::MAX)..)
            .map(<[Hash]>::to_vec)
            .unwrap_or_default()
    }
}

impl HashReader for InMemoryHashes {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog::Error> {
        let all = self.hashes.borrow();
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| all.get(i).copied())
                    .ok_or(tlog::Error::IndexesNotInTree)
            })
            .collect()
    }
}

/// Keeps a witness's cosignature (its signature line or lines) of the checkpoint of
/// `tree_size` records, in place of the one it gave before, unless that one is of a larger tree
/// (another server process pushed a newer checkpoint meanwhile). Returns whether it was kept.
/// Run it in a write transaction.
pub fn keep_cosignature(
    conn: &mut AnyConnection,
    witness_url: &str,
    tree_size: u64,
    checkpoint: &str,
    signature: &str,
    received_at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let held: Option<i64> = audit_cosignatures::table
        .find(witness_url)
        .select(audit_cosignatures::tree_size)
        .first(conn)
        .optional()?;
    let size = signed(tree_size)?;
    if held.is_some_and(|held| held > size) {
        return Ok(false);
    }
    diesel::delete(audit_cosignatures::table.find(witness_url)).execute(conn)?;
    diesel::insert_into(audit_cosignatures::table)
        .values((
            audit_cosignatures::witness_url.eq(witness_url),
            audit_cosignatures::tree_size.eq(size),
            audit_cosignatures::checkpoint.eq(checkpoint),
            audit_cosignatures::signature.eq(signature),
            audit_cosignatures::received_at.eq(DbInstant(received_at)),
        ))
        .execute(conn)?;
    Ok(true)
}

/// The latest checkpoint that witnesses cosigned, as one signed note: the checkpoint with the
/// log's signature, then the signature lines of every witness that cosigned that same
/// checkpoint. `None` before any witness cosigned.
pub fn cosigned_checkpoint(conn: &mut AnyConnection) -> Result<Option<String>, StoreError> {
    // One row per witness: few rows.
    let rows: Vec<(i64, String, String)> = audit_cosignatures::table
        .select((
            audit_cosignatures::tree_size,
            audit_cosignatures::checkpoint,
            audit_cosignatures::signature,
        ))
        .order((
            audit_cosignatures::tree_size.desc(),
            audit_cosignatures::witness_url.asc(),
        ))
        .load(conn)?;
    let Some((_, latest, _)) = rows.first() else {
        return Ok(None);
    };
    let mut note = latest.clone();
    for (_, checkpoint, signature) in &rows {
        if checkpoint == latest {
            note.push_str(signature);
            if !signature.ends_with('\n') {
                note.push('\n');
            }
        }
    }
    Ok(Some(note))
}

/// The first place where today's log does not extend a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inconsistency {
    /// The record concerned (by `seq`), when one can be named.
    pub seq: Option<i64>,
    /// What is wrong, in words.
    pub reason: String,
}

/// The result of [`verify_against`].
#[derive(Debug, Clone, PartialEq)]
pub struct LogReport {
    /// The checkpoint's tree size.
    pub checkpoint_size: u64,
    /// Records read and found consistent before the first inconsistency.
    pub checked: u64,
    /// The tree's size today.
    pub tree_size: u64,
    /// The tree's root today.
    pub tree_root: Hash,
    /// The first inconsistency, `None` when the log extends the checkpoint.
    pub first_inconsistency: Option<Inconsistency>,
}

impl LogReport {
    /// Whether today's log extends the checkpoint and holds together.
    pub fn consistent(&self) -> bool {
        self.first_inconsistency.is_none()
    }
}

fn inconsistent(seq: Option<i64>, reason: String) -> Option<Inconsistency> {
    Some(Inconsistency { seq, reason })
}

/// Proves that today's log extends the checkpoint of `size` records with root `root` (whose
/// signature the caller checked), and verifies the chain on the way: one walk streams every
/// record in `seq` order, in batches and in constant memory (reads and checks overlap, see
/// [`audit::pipelined`]), and checks that
///
/// 1. each one follows the previous without a gap, names its hash and hashes to its own (the
///    chain; the chain's report is the first of the two returned, as [`audit::verify`] gives
///    it);
/// 2. its leaf hash equals the one the tree stored for it (while the tree holds it);
/// 3. the first `size` records give the checkpoint's root, and the first `tree size` the
///    tree's stored root;
/// 4. there are at least `size` records, the tree holds at least `size`, and the tree's stored
///    hashes prove it consistent with the checkpoint (RFC 9162 §2.1.4).
///
/// The second report gives the first thing that fails against the checkpoint (a broken chain
/// link included). Run it in a read transaction.
pub fn verify_against(
    conn: &mut AnyConnection,
    size: u64,
    root: Hash,
) -> Result<(audit::VerifyReport, LogReport), StoreError> {
    verify_against_on(&mut [conn], size, root)
}

/// [`verify_against`] with several connections, each in a read transaction, reading batches at
/// once (the first one also reads the heads and the consistency proof).
pub fn verify_against_on(
    readers: &mut [&mut AnyConnection],
    size: u64,
    root: Hash,
) -> Result<(audit::VerifyReport, LogReport), StoreError> {
    let Some(conn) = readers.first_mut() else {
        return Err(StoreError::Internal(
            "no connection to read the trail".into(),
        ));
    };
    let tree = head(conn)?;
    let mut report = LogReport {
        checkpoint_size: size,
        checked: 0,
        tree_size: tree.size,
        tree_root: tree.root,
        first_inconsistency: None,
    };
    let mut chain = match audit::ChainWalk::start(conn)? {
        Ok(walk) => walk,
        Err(chain) => {
            report.first_inconsistency = inconsistent(None, "the chain head is missing".into());
            return Ok((chain, report));
        }
    };
    let mut range = CompactRange::default();
    let check_roots = |range: &CompactRange, report: &mut LogReport| {
        if range.size() == size && range.root() != root {
            report.first_inconsistency = inconsistent(
                None,
                format!(
                    "the first {size} records do not hash to the checkpoint's root: a record before {} was changed, removed or replaced since the checkpoint was signed",
                    size + 1
                ),
            );
        } else if range.size() == tree.size && range.root() != tree.root {
            report.first_inconsistency = inconsistent(
                None,
                format!(
                    "the first {} records do not hash to the tree's stored root",
                    tree.size
                ),
            );
        }
    };
    check_roots(&range, &mut report);
    if report.first_inconsistency.is_some() {
        return Ok((chain.finish(), report));
    }
    let tree_size = tree.size;
    audit::pipelined(
        readers,
        |c, number| {
            let Some(records) = audit::read_walk_batch(c, number, None)? else {
                return Ok(None);
            };
            let leaves = match (records.first(), records.last()) {
                (Some((first, _)), Some((last, _))) => {
                    stored_leaves(c, first.seq, last.seq, tree_size)?
                }
                _ => HashMap::new(),
            };
            Ok(Some((records, leaves)))
        },
        |(records, leaves)| {
            for (row, persons) in records {
                let encoding = audit::canonical_bytes(&row, &persons);
                if let Some(link) = chain.step(&row, &encoding) {
                    report.first_inconsistency = inconsistent(Some(link.seq), link.reason.clone());
                    return false;
                }
                let leaf = tlog::record_hash(&encoding);
                let index = u64::try_from(row.seq - 1).unwrap_or(0);
                if index < tree.size
                    && leaves.get(&tlog::stored_hash_index(0, index)) != Some(&leaf)
                {
                    report.first_inconsistency = inconsistent(
                        Some(row.seq),
                        "the record differs from the leaf the tree stored for it: it was replaced after it entered the tree".into(),
                    );
                    return false;
                }
                range.push(leaf);
                report.checked += 1;
                check_roots(&range, &mut report);
                if report.first_inconsistency.is_some() {
                    return false;
                }
            }
            true
        },
    )?;
    let chain = chain.finish();
    if report.first_inconsistency.is_some() {
        return Ok((chain, report));
    }
    let records = range.size();
    if records < size {
        report.first_inconsistency = inconsistent(
            Some(signed(records + 1)?),
            format!(
                "the log has {records} records but the checkpoint names {size}: records were deleted or the head was rewound"
            ),
        );
    } else if tree.size < size {
        report.first_inconsistency = inconsistent(
            None,
            format!(
                "the tree holds {} records but the checkpoint names {size}: the tree was rewound",
                tree.size
            ),
        );
    } else if records < tree.size {
        report.first_inconsistency = inconsistent(
            Some(signed(records + 1)?),
            format!(
                "the tree holds {} records but the log only {records}: records were deleted",
                tree.size
            ),
        );
    } else {
        let Some(conn) = readers.first_mut() else {
            return Err(StoreError::Internal(
                "no connection to read the trail".into(),
            ));
        };
        let proof = consistency_proof(conn, size, tree.size)?;
        if tlog::check_tree(&proof, tree.size, tree.root, size, root).is_err() {
            report.first_inconsistency = inconsistent(
                None,
                format!(
                    "the tree's stored hashes do not prove it consistent with the checkpoint of {size} records"
                ),
            );
        }
    }
    Ok((chain, report))
}

/// The stored leaf hashes of the records `first..=last` (by `seq`) that the tree of `tree_size`
/// holds, by stored hash index: one range scan (a leaf's stored hashes and the subtrees they
/// complete lie together), keeping the leaves.
fn stored_leaves(
    conn: &mut AnyConnection,
    first: i64,
    last: i64,
    tree_size: u64,
) -> Result<HashMap<u64, Hash>, StoreError> {
    let first = u64::try_from(first - 1).unwrap_or(0);
    let last = u64::try_from(last - 1)
        .unwrap_or(0)
        .min(tree_size.saturating_sub(1));
    if tree_size == 0 || first > last {
        return Ok(HashMap::new());
    }
    let (low, high) = (
        tlog::stored_hash_index(0, first),
        tlog::stored_hash_index(0, last),
    );
    let rows: Vec<(i64, Vec<u8>)> = audit_tree_hashes::table
        .filter(audit_tree_hashes::idx.between(signed(low)?, signed(high)?))
        .select((audit_tree_hashes::idx, audit_tree_hashes::hash))
        .load(conn)?;
    let wanted: std::collections::HashSet<u64> = (first..=last)
        .map(|n| tlog::stored_hash_index(0, n))
        .collect();
    let mut leaves = HashMap::with_capacity(wanted.len());
    for (idx, hash) in rows {
        let idx = u64::try_from(idx).unwrap_or(0);
        if wanted.contains(&idx) {
            leaves.insert(idx, hash_of(&hash)?);
        }
    }
    Ok(leaves)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9162's tree, computed by its definition (MTH), to check the compact range against.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => tlog::EMPTY_HASH,
            1 => leaves[0],
            n => {
                // The largest power of two below n.
                let mut k = 1;
                while k * 2 < n {
                    k *= 2;
                }
                tlog::node_hash(mth(&leaves[..k]), mth(&leaves[k..]))
            }
        }
    }

    fn hex(h: &Hash) -> String {
        hex::encode(h.0)
    }

    /// The leaves of the Certificate Transparency reference tests (RFC 6962's
    /// `merkle_tree_test`): their roots for sizes 1 to 8.
    const CT_LEAVES: [&[u8]; 8] = [
        b"",
        b"\x00",
        b"\x10",
        b"\x20\x21",
        b"\x30\x31",
        b"\x40\x41\x42\x43",
        b"\x50\x51\x52\x53\x54\x55\x56\x57",
        b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
    ];
    const CT_ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    #[test]
    fn the_compact_range_gives_the_reference_roots() {
        let mut range = CompactRange::default();
        assert_eq!(
            hex(&range.root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        for (leaf, root) in CT_LEAVES.iter().zip(CT_ROOTS) {
            range.push(tlog::record_hash(leaf));
            assert_eq!(hex(&range.root()), root, "size {}", range.size());
        }
    }

    #[test]
    fn the_compact_range_equals_the_definition_at_every_size() {
        let leaves: Vec<Hash> = (0..300_u32)
            .map(|i| tlog::record_hash(&i.to_be_bytes()))
            .collect();
        let mut range = CompactRange::default();
        for (n, leaf) in leaves.iter().enumerate() {
            range.push(*leaf);
            assert_eq!(range.root(), mth(&leaves[..=n]), "size {}", n + 1);
        }
    }

    #[test]
    fn every_inclusion_and_consistency_proof_verifies_and_a_changed_leaf_does_not() {
        let store = InMemoryHashes::default();
        let leaves: Vec<Hash> = (0..40_u32)
            .map(|i| tlog::record_hash(format!("record {i}").as_bytes()))
            .collect();
        for (n, leaf) in leaves.iter().enumerate() {
            let n = n as u64;
            assert_eq!(store.len(), tlog::stored_hash_index(0, n));
            store.append(*leaf).unwrap();
        }
        let roots: Vec<Hash> = (0..=leaves.len())
            .map(|t| tlog::tree_hash(t as u64, &store).unwrap())
            .collect();
        for t in 1..=leaves.len() {
            assert_eq!(roots[t], mth(&leaves[..t]), "root of {t}");
            for (n, leaf) in leaves.iter().enumerate().take(t) {
                let proof = tlog::prove_record(t as u64, n as u64, &store).unwrap();
                tlog::check_record(&proof, t as u64, roots[t], n as u64, *leaf).unwrap();
                let other = tlog::record_hash(b"another record");
                assert!(
                    tlog::check_record(&proof, t as u64, roots[t], n as u64, other).is_err(),
                    "a changed leaf {n} of {t} must not verify"
                );
            }
            for first in 1..=t {
                let proof = tlog::prove_tree(t as u64, first as u64, &store).unwrap();
                tlog::check_tree(&proof, t as u64, roots[t], first as u64, roots[first]).unwrap();
                if first < t {
                    // A first tree that is not a prefix (its last leaf changed) does not verify.
                    let mut changed = leaves[..first].to_vec();
                    changed[first - 1] = tlog::record_hash(b"rewritten");
                    assert!(
                        tlog::check_tree(&proof, t as u64, roots[t], first as u64, mth(&changed))
                            .is_err(),
                        "{first} rewritten is not a prefix of {t}"
                    );
                }
            }
        }
    }
}
