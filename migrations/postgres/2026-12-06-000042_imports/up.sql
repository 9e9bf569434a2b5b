-- Bulk imports of persons, households and open case files from the CSV files of the system
-- the office replaces (issue 19, docs/import.md). One import per file, known by the SHA-256 of
-- its bytes: the same file sent again gives the same import (a finished one is returned, an
-- interrupted one goes on from its next batch). The rows are imported in batches, each batch one
-- transaction with its audit record; `next_batch` is the first batch not yet committed. A
-- request working on an import holds its claim (`claim_token` until `claimed_until`, renewed by
-- every batch), so that two requests, or two server processes, never import the same batch.
CREATE TABLE imports (
    id uuid PRIMARY KEY,
    sha256 text NOT NULL UNIQUE CHECK (length(sha256) = 64),
    status text NOT NULL CHECK (status IN ('running', 'completed')),
    delimiter text NOT NULL CHECK (delimiter IN (';', ',')),
    rows_total integer NOT NULL CHECK (rows_total >= 0),
    batches integer NOT NULL CHECK (batches >= 0),
    next_batch integer NOT NULL CHECK (next_batch >= 0 AND next_batch <= batches),
    imported integer NOT NULL CHECK (imported >= 0),
    refused integer NOT NULL CHECK (refused >= 0),
    households integer NOT NULL CHECK (households >= 0),
    case_files integer NOT NULL CHECK (case_files >= 0),
    claim_token uuid,
    claimed_until timestamptz,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    completed_at timestamptz,
    CONSTRAINT imports_completed CHECK ((status = 'completed') = (completed_at IS NOT NULL)),
    CONSTRAINT imports_counts CHECK (imported + refused <= rows_total)
);
CREATE INDEX imports_created_idx ON imports (created_at, id);

-- What became of each data line of an imported file (`line` is its line number in the file,
-- the header being line 1): the person, household and case file it made, or why it was refused
-- (`problems`, a JSON array of {column, reason}; no personal data in it).
CREATE TABLE import_rows (
    import_id uuid NOT NULL REFERENCES imports (id),
    line integer NOT NULL CHECK (line >= 2),
    outcome text NOT NULL CHECK (outcome IN ('imported', 'refused')),
    person_id uuid REFERENCES persons (id),
    household_id uuid REFERENCES households (id),
    case_file_id uuid REFERENCES case_files (id),
    problems text,
    PRIMARY KEY (import_id, line),
    CONSTRAINT import_rows_outcome CHECK (
        (outcome = 'imported' AND person_id IS NOT NULL AND problems IS NULL)
        OR (outcome = 'refused' AND person_id IS NULL AND household_id IS NULL
            AND case_file_id IS NULL AND problems IS NOT NULL))
);
CREATE INDEX import_rows_person_idx ON import_rows (person_id) WHERE person_id IS NOT NULL;
