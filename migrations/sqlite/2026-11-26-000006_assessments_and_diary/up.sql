-- Assessments (valutazioni del bisogno), versioned per case file with one severity per domain,
-- and the social diary (diario sociale) with restricted entries and correcting entries.
-- Mirrored in migrations/postgres.

CREATE TABLE assessments (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    case_file_id BLOB NOT NULL REFERENCES case_files (id),
    version_number INTEGER NOT NULL CHECK (version_number >= 1),
    assessed_on TEXT NOT NULL,
    author_id BLOB NOT NULL REFERENCES users (id),
    notes TEXT CHECK (notes IS NULL OR length(notes) <= 10000),
    created_at TEXT NOT NULL,
    CONSTRAINT assessments_case_version_key UNIQUE (case_file_id, version_number)
);

CREATE TABLE assessment_scores (
    assessment_id BLOB NOT NULL REFERENCES assessments (id),
    domain TEXT NOT NULL CHECK (domain IN ('housing', 'income', 'employment', 'health',
        'autonomy', 'family_and_relations', 'legal_and_documents', 'justice')),
    severity INTEGER NOT NULL CHECK (severity BETWEEN 0 AND 3),
    PRIMARY KEY (assessment_id, domain)
);

CREATE TABLE diary_entries (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    case_file_id BLOB NOT NULL REFERENCES case_files (id),
    kind TEXT NOT NULL CHECK (kind IN ('interview', 'home_visit', 'phone_call', 'meeting',
        'team_meeting', 'note')),
    occurred_at TEXT NOT NULL,
    text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 20000),
    restricted INTEGER NOT NULL CHECK (restricted IN (0, 1)),
    corrects_entry_id BLOB REFERENCES diary_entries (id),
    author_id BLOB NOT NULL REFERENCES users (id),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- The diary is read newest first, page by page: keyset on (occurred_at, id) within a file.
CREATE INDEX diary_entries_case_occurred_idx ON diary_entries (case_file_id, occurred_at, id);
CREATE INDEX diary_entries_corrects_idx ON diary_entries (corrects_entry_id);
