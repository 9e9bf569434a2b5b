-- The case manager grants a team member access to the special categories of the person
-- (health_disability, ethnicity, legal_status, justice) and to restricted diary entries.
-- Mirrored in migrations/sqlite.
ALTER TABLE case_file_team ADD COLUMN sensitive_access boolean NOT NULL DEFAULT false;
CREATE INDEX case_file_team_current_idx ON case_file_team (case_file_id, assigned_until);
