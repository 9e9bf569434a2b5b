-- The audit trail becomes a hash chain, gains the persons concerned, the declared purpose and the
-- break-glass mark; break-glass grants are stored for review. Mirrored in migrations/postgres.
--
-- Existing records get their chain position (seq) here, in the order they happened; their hashes
-- are computed by the application right after this migration, and only then does
-- 2026-11-26-000010_audit_immutable forbid changes (see persistence/src/migrations.rs).
-- SQLite cannot add a NOT NULL column without a default: seq defaults to 0 and is set below;
-- the application always writes every column.

ALTER TABLE audit_records ADD COLUMN seq INTEGER NOT NULL DEFAULT 0 CHECK (seq >= 0);
ALTER TABLE audit_records ADD COLUMN purpose TEXT;
ALTER TABLE audit_records ADD COLUMN break_glass INTEGER NOT NULL DEFAULT 0 CHECK (break_glass IN (0, 1));
ALTER TABLE audit_records ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_records ADD COLUMN hash TEXT NOT NULL DEFAULT '';

UPDATE audit_records SET seq = n.rn
FROM (SELECT id, row_number() OVER (ORDER BY occurred_at, id) AS rn FROM audit_records) AS n
WHERE audit_records.id = n.id;

CREATE UNIQUE INDEX audit_records_seq_idx ON audit_records (seq);
CREATE INDEX audit_records_action_idx ON audit_records (action, seq);

-- The persons a record concerns (none, one, or the page of a search). Not a foreign key to
-- persons: a refused attempt may name an unknown id, and the trail outlives anonymisation.
CREATE TABLE audit_record_persons (
    audit_record_id BLOB NOT NULL REFERENCES audit_records (id),
    person_id BLOB NOT NULL CHECK (length(person_id) = 16),
    PRIMARY KEY (audit_record_id, person_id)
) WITHOUT ROWID;
CREATE INDEX audit_record_persons_person_idx ON audit_record_persons (person_id, audit_record_id);

-- One row: the position and hash of the last record, updated by every append. On SQLite appends
-- are serialised by the single writer (BEGIN IMMEDIATE).
CREATE TABLE audit_chain_head (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    last_seq INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_chain_head (id, last_seq, last_hash)
SELECT 1, COALESCE(MAX(seq), 0), CASE WHEN COUNT(*) = 0 THEN '0000000000000000000000000000000000000000000000000000000000000000' ELSE '' END
FROM audit_records;

-- Emergency ("break-glass") access of a staff member outside the case team: time-limited,
-- with a mandatory reason, reviewed by the office manager.
CREATE TABLE break_glass_grants (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    case_file_id BLOB NOT NULL REFERENCES case_files (id),
    staff_id BLOB NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by BLOB REFERENCES users (id),
    acknowledgement_note TEXT,
    CONSTRAINT break_glass_grants_window CHECK (expires_at > granted_at),
    CONSTRAINT break_glass_grants_acknowledgement CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL))
);
CREATE INDEX break_glass_grants_staff_idx ON break_glass_grants (staff_id, case_file_id, expires_at);
CREATE INDEX break_glass_grants_review_idx ON break_glass_grants (acknowledged_at, granted_at);
