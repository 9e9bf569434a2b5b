-- Mirrors migrations/postgres, where audit records are staged in this table by the request and
-- chained by a trigger when the transaction commits, so that the chain head is locked only
-- during the commit. SQLite needs no staging: its single writer connection already serialises
-- every write transaction, and the application chains each record as it appends it. The table
-- exists here so that both engines have the same schema; SQLite never writes to it.
CREATE TABLE audit_pending (
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
    persons BLOB NOT NULL CHECK (length(persons) % 16 = 0),
    encoding_tag BLOB NOT NULL,
    encoding_body BLOB NOT NULL
);
