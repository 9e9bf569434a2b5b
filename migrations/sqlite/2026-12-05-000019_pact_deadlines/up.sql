-- The deadlines of every pact as its clock computes them (domain::pact::clock_deadlines),
-- rewritten in the transaction of every change to the pact, its steps, transitions,
-- commitments and checks (persistence::pacts::store_deadlines), so that the agenda reads what
-- is due in its own order instead of recomputing every pact of a caseload for each page.
-- `kind_rank` is the place of the kind among the items of one day (domain::agenda::ItemKind);
-- `commitment_key` is the commitment, or the nil UUID for the other kinds (a key column
-- cannot be null). While a suspension that stops the clock is running, `stopped_since` is its
-- first day and the deadline falls one day later for every day since. The rows of the pacts
-- that existed before are written by the step that precedes the next migration.
-- Mirror of migrations/postgres.
CREATE TABLE pact_deadlines (
    pact_id BLOB NOT NULL REFERENCES pacts (id),
    case_file_id BLOB NOT NULL REFERENCES case_files (id),
    kind TEXT NOT NULL CHECK (kind IN ('convocation', 'signature', 'check', 'commitment')),
    kind_rank INTEGER NOT NULL CHECK (kind_rank BETWEEN 0 AND 9),
    commitment_key BLOB NOT NULL CHECK (length(commitment_key) = 16),
    due_on TEXT NOT NULL,
    stopped_since TEXT,
    PRIMARY KEY (pact_id, kind, commitment_key),
    CONSTRAINT pact_deadlines_only_checks_stop CHECK (stopped_since IS NULL OR kind = 'check')
);
