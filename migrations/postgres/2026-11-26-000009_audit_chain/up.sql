-- The audit trail becomes a hash chain, gains the persons concerned, the declared purpose and the
-- break-glass mark; break-glass grants are stored for review. Mirrored in migrations/sqlite.
--
-- Existing records get their chain position (seq) here, in the order they happened; their hashes
-- are computed by the application right after this migration (SQL has no portable SHA-256), and
-- only then does 2026-11-26-000010_audit_immutable forbid changes (see
-- persistence/src/migrations.rs). Until then `hash` is '' on those rows.

ALTER TABLE audit_records ADD COLUMN seq bigint;
ALTER TABLE audit_records ADD COLUMN purpose text;
ALTER TABLE audit_records ADD COLUMN break_glass boolean NOT NULL DEFAULT false;
ALTER TABLE audit_records ADD COLUMN prev_hash text NOT NULL DEFAULT '';
ALTER TABLE audit_records ADD COLUMN hash text NOT NULL DEFAULT '';

UPDATE audit_records AS a SET seq = n.rn
FROM (SELECT id, row_number() OVER (ORDER BY occurred_at, id) AS rn FROM audit_records) AS n
WHERE a.id = n.id;

ALTER TABLE audit_records ALTER COLUMN seq SET NOT NULL;
ALTER TABLE audit_records ADD CONSTRAINT audit_records_seq_positive CHECK (seq > 0);
-- New rows always carry their hashes: no default, so an insert that forgets them fails.
ALTER TABLE audit_records ALTER COLUMN prev_hash DROP DEFAULT;
ALTER TABLE audit_records ALTER COLUMN hash DROP DEFAULT;
CREATE UNIQUE INDEX audit_records_seq_idx ON audit_records (seq);
CREATE INDEX audit_records_action_idx ON audit_records (action, seq);

-- The persons a record concerns (none, one, or the page of a search). Not a foreign key to
-- persons: a refused attempt may name an unknown id, and the trail outlives anonymisation.
CREATE TABLE audit_record_persons (
    audit_record_id uuid NOT NULL REFERENCES audit_records (id),
    person_id uuid NOT NULL,
    PRIMARY KEY (audit_record_id, person_id)
);
CREATE INDEX audit_record_persons_person_idx ON audit_record_persons (person_id, audit_record_id);

-- One row: the position and hash of the last record. Appends lock it (SELECT ... FOR UPDATE),
-- which serialises them so that the chain has no fork and no gap.
CREATE TABLE audit_chain_head (
    id integer PRIMARY KEY CHECK (id = 1),
    last_seq bigint NOT NULL,
    last_hash text NOT NULL
);
INSERT INTO audit_chain_head (id, last_seq, last_hash)
SELECT 1, COALESCE(MAX(seq), 0), CASE WHEN COUNT(*) = 0 THEN '0000000000000000000000000000000000000000000000000000000000000000' ELSE '' END
FROM audit_records;

-- Emergency ("break-glass") access of a staff member outside the case team: time-limited,
-- with a mandatory reason, reviewed by the office manager.
CREATE TABLE break_glass_grants (
    id uuid PRIMARY KEY,
    case_file_id uuid NOT NULL REFERENCES case_files (id),
    staff_id uuid NOT NULL REFERENCES users (id),
    reason text NOT NULL,
    granted_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    acknowledged_at timestamptz,
    acknowledged_by uuid REFERENCES users (id),
    acknowledgement_note text,
    CONSTRAINT break_glass_grants_window CHECK (expires_at > granted_at),
    CONSTRAINT break_glass_grants_acknowledgement CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL))
);
CREATE INDEX break_glass_grants_staff_idx ON break_glass_grants (staff_id, case_file_id, expires_at);
CREATE INDEX break_glass_grants_review_idx ON break_glass_grants (acknowledged_at, granted_at);
