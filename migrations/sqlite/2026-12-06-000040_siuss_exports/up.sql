-- The exports of the benefits granted to the national register of social benefits (INPS
-- SIUSS; issue 19, docs/siuss.md). Mirror of migrations/postgres.
CREATE TABLE siuss_exports (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    period TEXT NOT NULL CHECK (length(period) BETWEEN 4 AND 7),
    from_on TEXT NOT NULL,
    until_on TEXT NOT NULL,
    body_code TEXT NOT NULL CHECK (length(body_code) BETWEEN 1 AND 16),
    records INTEGER NOT NULL CHECK (records >= 0),
    refused INTEGER NOT NULL CHECK (refused >= 0),
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    content TEXT NOT NULL,
    refusals TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    CONSTRAINT siuss_exports_days CHECK (until_on >= from_on)
);
CREATE INDEX siuss_exports_created_idx ON siuss_exports (created_at, id);

CREATE TABLE siuss_export_persons (
    export_id BLOB NOT NULL REFERENCES siuss_exports (id),
    person_id BLOB NOT NULL REFERENCES persons (id),
    PRIMARY KEY (export_id, person_id)
);
CREATE INDEX siuss_export_persons_person_idx ON siuss_export_persons (person_id);
