-- The taking in charge of a case file opened for a person another area has in charge waits for
-- the coordinator of the file's area (domain::case_file::needs_confirmation): until then its
-- case manager and team do not reach the person's special categories through it
-- (domain::access). NULL while it waits. Files opened before this migration count as confirmed
-- when they were opened. Mirrored in migrations/sqlite.
ALTER TABLE case_files ADD COLUMN confirmed_at timestamptz;
ALTER TABLE case_files ADD COLUMN confirmed_by uuid REFERENCES users (id);
UPDATE case_files SET confirmed_at = created_at, confirmed_by = created_by;
