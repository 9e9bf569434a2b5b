-- Merges of persons registered twice: the duplicate is annulled, its case files are re-pointed
-- to the survivor, and this table keeps the history. Mirrored in migrations/sqlite.
CREATE TABLE person_merges (
    id uuid PRIMARY KEY,
    survivor_id uuid NOT NULL REFERENCES persons (id),
    duplicate_id uuid NOT NULL REFERENCES persons (id),
    reason text NOT NULL,
    moved_case_files text NOT NULL,
    merged_by uuid NOT NULL REFERENCES users (id),
    merged_at timestamptz NOT NULL,
    CONSTRAINT person_merges_duplicate_key UNIQUE (duplicate_id)
);
CREATE INDEX person_merges_survivor_idx ON person_merges (survivor_id);
