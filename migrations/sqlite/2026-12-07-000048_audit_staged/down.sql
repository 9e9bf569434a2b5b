-- Refused while records are staged: they would be lost. Chain them first with
-- `socialcare audit checkpoint` (with the servers stopped). SQLite has no RAISE outside
-- triggers: the CHECK of a temporary table fails instead.
CREATE TEMP TABLE audit_staged_must_be_empty (staged INTEGER NOT NULL CHECK (staged = 0));
INSERT INTO audit_staged_must_be_empty SELECT count(*) FROM audit_staged;
DROP TABLE audit_staged_must_be_empty;
DROP TABLE audit_staged;

-- As migration 2026-12-04-000015_audit_chained_at_commit left it.
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
