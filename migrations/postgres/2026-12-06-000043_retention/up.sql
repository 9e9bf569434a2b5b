-- The retention procedure (issue 19, docs/retention.md). A person whose identity was
-- pseudonymised carries `anonymised_at`; a case file whose content (the free text of its
-- records) was erased carries `content_erased_at`: both say what was done and keep the next
-- run from doing it again.
ALTER TABLE persons ADD COLUMN anonymised_at timestamptz;
ALTER TABLE case_files ADD COLUMN content_erased_at timestamptz;
CREATE INDEX case_files_closed_idx ON case_files (closed_on) WHERE content_erased_at IS NULL;

-- One run of the procedure: who ran it, under which authorisation to discard (D.Lgs. 42/2004
-- art. 21) and which periods, and what it did. A run works in batches, each one transaction;
-- while it works it holds `claimed_until` (renewed by every batch). At most one run is
-- `running` at a time (the partial unique index), also across server processes; a run whose
-- claim lapsed (its process died) is marked `interrupted` by the next one, which goes on where
-- it stopped, since every batch committed is marked on the records themselves.
CREATE TABLE retention_runs (
    id uuid PRIMARY KEY,
    status text NOT NULL CHECK (status IN ('running', 'completed', 'interrupted')),
    authorisation text NOT NULL CHECK (length(authorisation) BETWEEN 1 AND 500),
    as_of date NOT NULL,
    case_content_years integer NOT NULL CHECK (case_content_years BETWEEN 1 AND 100),
    special_category_years integer NOT NULL CHECK (special_category_years BETWEEN 1 AND 100),
    identity_years integer NOT NULL CHECK (identity_years BETWEEN 1 AND 100),
    case_files integer NOT NULL CHECK (case_files >= 0),
    special_categories integer NOT NULL CHECK (special_categories >= 0),
    persons integer NOT NULL CHECK (persons >= 0),
    exports integer NOT NULL CHECK (exports >= 0),
    claimed_until timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    completed_at timestamptz,
    CONSTRAINT retention_runs_completed CHECK ((status = 'completed') = (completed_at IS NOT NULL))
);
CREATE UNIQUE INDEX retention_runs_one_running ON retention_runs (status) WHERE status = 'running';
CREATE INDEX retention_runs_created_idx ON retention_runs (created_at, id);
