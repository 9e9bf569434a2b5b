-- Every audit record is staged by its request and chained by the sequencer, in batches
-- (persistence/src/audit.rs, `append` and `chain_staged`; docs/audit.md, "The sequencer").
-- Mirrored in migrations/sqlite.
--
-- Before: a write's record was chained when its transaction committed (the deferred trigger of
-- migration 2026-12-04-000015 on audit_pending) and the records of reads in batches by
-- audit_append_batch (migration 2026-12-07-000046), so every commit of every request took the
-- chain head's row lock and inserted into audit_records and its six indexes. Now the request
-- inserts one row here, in its own transaction (for a read, its read transaction), with nothing
-- shared locked; the sequencer (one at a time, under its advisory lock) or a reader of the trail
-- (the searches and reports chain what is staged before they read) locks the head once per
-- batch of hundreds, chains the staged rows in id order (UUID v7, made at staging: increasing
-- within a process, by the millisecond across processes), inserts them with their
-- person links and deletes them from here, all in one transaction. A crash loses nothing that
-- committed: this table is logged (unlike audit_pending, which never outlived a transaction).
--
-- `persons`: the persons concerned, their 16-byte ids concatenated, ascending, without
-- duplicates. The hash is computed by the application over the columns as stored.
CREATE TABLE audit_staged (
    id uuid PRIMARY KEY,
    occurred_at timestamptz NOT NULL,
    actor_id uuid,
    actor_username text,
    actor_roles text NOT NULL,
    action text NOT NULL,
    resource_type text NOT NULL,
    resource_id text,
    outcome text NOT NULL,
    request_id text,
    client_addr text,
    details text,
    purpose text,
    break_glass boolean NOT NULL,
    persons bytea NOT NULL CHECK (octet_length(persons) % 16 = 0)
);

DROP TRIGGER audit_pending_chain ON audit_pending;
DROP FUNCTION audit_chain_pending();
DROP TABLE audit_pending;
DROP FUNCTION audit_append_batch(text, boolean);
