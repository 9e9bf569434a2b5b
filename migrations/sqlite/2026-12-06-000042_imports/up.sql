-- Bulk imports of persons, households and open case files (issue 19, docs/import.md).
-- Mirror of migrations/postgres.
CREATE TABLE imports (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
    status TEXT NOT NULL CHECK (status IN ('running', 'completed')),
    delimiter TEXT NOT NULL CHECK (delimiter IN (';', ',')),
    rows_total INTEGER NOT NULL CHECK (rows_total >= 0),
    batches INTEGER NOT NULL CHECK (batches >= 0),
    next_batch INTEGER NOT NULL CHECK (next_batch >= 0 AND next_batch <= batches),
    imported INTEGER NOT NULL CHECK (imported >= 0),
    refused INTEGER NOT NULL CHECK (refused >= 0),
    households INTEGER NOT NULL CHECK (households >= 0),
    case_files INTEGER NOT NULL CHECK (case_files >= 0),
    claim_token BLOB CHECK (claim_token IS NULL OR length(claim_token) = 16),
    claimed_until TEXT,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    completed_at TEXT,
    CONSTRAINT imports_completed CHECK ((status = 'completed') = (completed_at IS NOT NULL)),
    CONSTRAINT imports_counts CHECK (imported + refused <= rows_total)
);
CREATE INDEX imports_created_idx ON imports (created_at, id);

CREATE TABLE import_rows (
    import_id BLOB NOT NULL REFERENCES imports (id),
    line INTEGER NOT NULL CHECK (line >= 2),
    outcome TEXT NOT NULL CHECK (outcome IN ('imported', 'refused')),
    person_id BLOB REFERENCES persons (id),
    household_id BLOB REFERENCES households (id),
    case_file_id BLOB REFERENCES case_files (id),
    problems TEXT,
    PRIMARY KEY (import_id, line),
    CONSTRAINT import_rows_outcome CHECK (
        (outcome = 'imported' AND person_id IS NOT NULL AND problems IS NULL)
        OR (outcome = 'refused' AND person_id IS NULL AND household_id IS NULL
            AND case_file_id IS NULL AND problems IS NOT NULL))
);
CREATE INDEX import_rows_person_idx ON import_rows (person_id) WHERE person_id IS NOT NULL;
