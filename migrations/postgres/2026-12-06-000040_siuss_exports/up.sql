-- The exports of the benefits granted to the national register of social benefits (INPS
-- SIUSS; issue 19, docs/siuss.md): who made each, when, for which period and granting body,
-- how many records went and how many benefits were refused (with the reasons, as JSON), the
-- file itself and its SHA-256, so that it is given again byte for byte; and the persons each
-- file names, so that every download is audited with them and a person's access report finds
-- the exports that named them. An export is never changed.
CREATE TABLE siuss_exports (
    id uuid PRIMARY KEY,
    period text NOT NULL CHECK (length(period) BETWEEN 4 AND 7),
    from_on date NOT NULL,
    until_on date NOT NULL,
    body_code text NOT NULL CHECK (length(body_code) BETWEEN 1 AND 16),
    records integer NOT NULL CHECK (records >= 0),
    refused integer NOT NULL CHECK (refused >= 0),
    sha256 text NOT NULL CHECK (length(sha256) = 64),
    content text NOT NULL,
    refusals text NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    CONSTRAINT siuss_exports_days CHECK (until_on >= from_on)
);
CREATE INDEX siuss_exports_created_idx ON siuss_exports (created_at, id);

CREATE TABLE siuss_export_persons (
    export_id uuid NOT NULL REFERENCES siuss_exports (id),
    person_id uuid NOT NULL REFERENCES persons (id),
    PRIMARY KEY (export_id, person_id)
);
CREATE INDEX siuss_export_persons_person_idx ON siuss_export_persons (person_id);
