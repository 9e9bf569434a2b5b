-- The agenda reads the deadlines of a caseload file by file, in due order. Before this
-- migration runs, the deadlines of every existing pact are computed and stored
-- (persistence::migrations::before_migration): a crash in between leaves this migration
-- pending, and the next run computes them again.
CREATE INDEX pact_deadlines_file_due_idx ON pact_deadlines (case_file_id, due_on);
