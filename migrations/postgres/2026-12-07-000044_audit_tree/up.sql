-- The verifiable audit log (issue 20, docs/audit.md "The Merkle tree and its checkpoints"): the
-- audit records, in `seq` order, are the leaves of a Merkle tree hashed as RFC 9162 says. The
-- sequencer of the server integrates the chained records into the tree in batches and signs a
-- checkpoint (C2SP tlog-checkpoint) after each. Mirrored in migrations/sqlite.
--
-- `audit_tree_hashes` keeps the hash of every complete subtree, at the dense "stored hash
-- index" of Crosby and Wallach (level 0 is the leaves): about two hashes per record, enough to
-- compute any root, inclusion proof or consistency proof in O(log n) reads. Append-only, like
-- the trail.
CREATE TABLE audit_tree_hashes (
    idx bigint PRIMARY KEY CHECK (idx >= 0),
    hash bytea NOT NULL CHECK (length(hash) = 32)
);

-- The tree's head: how many records it holds, its root, the hash of the last record integrated
-- (so that the next batch checks the chain link before taking a record in) and the last signed
-- checkpoint (signed-note text).
CREATE TABLE audit_tree_head (
    id integer PRIMARY KEY CHECK (id = 1),
    size bigint NOT NULL CHECK (size >= 0),
    root_hash bytea NOT NULL CHECK (length(root_hash) = 32),
    last_record_hash text NOT NULL,
    checkpoint text,
    updated_at timestamptz NOT NULL
);
INSERT INTO audit_tree_head (id, size, root_hash, last_record_hash, checkpoint, updated_at)
VALUES (1, 0, decode('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex'),
        '0000000000000000000000000000000000000000000000000000000000000000', NULL, now());

CREATE TRIGGER audit_tree_hashes_append_only
    BEFORE UPDATE OR DELETE ON audit_tree_hashes
    FOR EACH ROW EXECUTE FUNCTION audit_trail_append_only();
CREATE TRIGGER audit_tree_hashes_no_truncate
    BEFORE TRUNCATE ON audit_tree_hashes
    FOR EACH STATEMENT EXECUTE FUNCTION audit_trail_append_only();
