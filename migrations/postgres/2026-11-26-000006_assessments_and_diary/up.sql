-- Assessments (valutazioni del bisogno), versioned per case file with one severity per domain,
-- and the social diary (diario sociale) with restricted entries and correcting entries.
-- Mirrored in migrations/sqlite.

CREATE TABLE assessments (
    id uuid PRIMARY KEY,
    case_file_id uuid NOT NULL REFERENCES case_files (id),
    version_number integer NOT NULL CHECK (version_number >= 1),
    assessed_on date NOT NULL,
    author_id uuid NOT NULL REFERENCES users (id),
    notes text CHECK (notes IS NULL OR char_length(notes) <= 10000),
    created_at timestamptz NOT NULL,
    CONSTRAINT assessments_case_version_key UNIQUE (case_file_id, version_number)
);

CREATE TABLE assessment_scores (
    assessment_id uuid NOT NULL REFERENCES assessments (id),
    domain text NOT NULL CHECK (domain IN ('housing', 'income', 'employment', 'health',
        'autonomy', 'family_and_relations', 'legal_and_documents', 'justice')),
    severity integer NOT NULL CHECK (severity BETWEEN 0 AND 3),
    PRIMARY KEY (assessment_id, domain)
);

CREATE TABLE diary_entries (
    id uuid PRIMARY KEY,
    case_file_id uuid NOT NULL REFERENCES case_files (id),
    kind text NOT NULL CHECK (kind IN ('interview', 'home_visit', 'phone_call', 'meeting',
        'team_meeting', 'note')),
    occurred_at timestamptz NOT NULL,
    text text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 20000),
    restricted boolean NOT NULL,
    corrects_entry_id uuid REFERENCES diary_entries (id),
    author_id uuid NOT NULL REFERENCES users (id),
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
-- The diary is read newest first, page by page: keyset on (occurred_at, id) within a file.
CREATE INDEX diary_entries_case_occurred_idx ON diary_entries (case_file_id, occurred_at, id);
CREATE INDEX diary_entries_corrects_idx ON diary_entries (corrects_entry_id);
