-- The witnesses' cosignatures of the audit log's checkpoints (issue 20, docs/audit.md
-- "Witnesses"). Every merge delay each server process pushes the latest checkpoint to the
-- witnesses of SOCIALCARE_AUDIT_WITNESS_URL (C2SP tlog-witness); a witness that accepts it
-- answers with its signature line(s). The latest cosignature of each witness is kept here, with
-- the checkpoint it signs, so that GET /audit/checkpoint?cosigned=true serves a checkpoint that
-- copies outside the office vouch for. Mirrored in migrations/sqlite.
CREATE TABLE audit_cosignatures (
    witness_url text PRIMARY KEY,
    tree_size BIGINT NOT NULL CHECK (tree_size >= 0),
    checkpoint text NOT NULL,
    signature text NOT NULL,
    received_at text NOT NULL
);
