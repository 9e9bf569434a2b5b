-- The verifiable audit log (issue 20, docs/audit.md "The Merkle tree and its checkpoints"): the
-- audit records, in `seq` order, are the leaves of a Merkle tree hashed as RFC 9162 says. The
-- sequencer of the server integrates the chained records into the tree in batches and signs a
-- checkpoint (C2SP tlog-checkpoint) after each. Mirrored in migrations/postgres.
--
-- `audit_tree_hashes` keeps the hash of every complete subtree, at the dense "stored hash
-- index" of Crosby and Wallach (level 0 is the leaves): about two hashes per record, enough to
-- compute any root, inclusion proof or consistency proof in O(log n) reads. Append-only, like
-- the trail.
CREATE TABLE audit_tree_hashes (
    idx INTEGER PRIMARY KEY CHECK (idx >= 0),
    hash BLOB NOT NULL CHECK (length(hash) = 32)
);

-- The tree's head: how many records it holds, its root, the hash of the last record integrated
-- (so that the next batch checks the chain link before taking a record in) and the last signed
-- checkpoint (signed-note text).
CREATE TABLE audit_tree_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL CHECK (size >= 0),
    root_hash BLOB NOT NULL CHECK (length(root_hash) = 32),
    last_record_hash TEXT NOT NULL,
    checkpoint TEXT,
    updated_at TEXT NOT NULL
);
INSERT INTO audit_tree_head (id, size, root_hash, last_record_hash, checkpoint, updated_at)
VALUES (1, 0, X'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        '0000000000000000000000000000000000000000000000000000000000000000', NULL,
        strftime('%Y-%m-%dT%H:%M:%f000Z', 'now'));

CREATE TRIGGER audit_tree_hashes_no_update BEFORE UPDATE ON audit_tree_hashes
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: UPDATE on audit_tree_hashes is not allowed');
END;
CREATE TRIGGER audit_tree_hashes_no_delete BEFORE DELETE ON audit_tree_hashes
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: DELETE on audit_tree_hashes is not allowed');
END;
