-- Merges of persons registered twice: the duplicate is annulled, its case files are re-pointed
-- to the survivor, and this table keeps the history. Mirrored in migrations/postgres.
CREATE TABLE person_merges (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    survivor_id BLOB NOT NULL REFERENCES persons (id),
    duplicate_id BLOB NOT NULL REFERENCES persons (id),
    reason TEXT NOT NULL,
    moved_case_files TEXT NOT NULL,
    merged_by BLOB NOT NULL REFERENCES users (id),
    merged_at TEXT NOT NULL,
    CONSTRAINT person_merges_duplicate_key UNIQUE (duplicate_id)
);
CREATE INDEX person_merges_survivor_idx ON person_merges (survivor_id);
