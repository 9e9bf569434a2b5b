-- Mirrors migrations/postgres: every audit record is staged by its request (in its own
-- transaction, on the writer) and chained by the sequencer in batches, so that a request
-- writes one row of one table instead of a record in seven B-trees, its person links and the
-- chain head. audit_pending, never written on SQLite, goes (PostgreSQL drops it too).
CREATE TABLE audit_staged (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    occurred_at TEXT NOT NULL,
    actor_id BLOB,
    actor_username TEXT,
    actor_roles TEXT NOT NULL,
    action TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT,
    outcome TEXT NOT NULL,
    request_id TEXT,
    client_addr TEXT,
    details TEXT,
    purpose TEXT,
    break_glass INTEGER NOT NULL CHECK (break_glass IN (0, 1)),
    persons BLOB NOT NULL CHECK (length(persons) % 16 = 0)
) WITHOUT ROWID;

DROP TABLE audit_pending;
