DROP INDEX case_file_team_current_idx;
ALTER TABLE case_file_team DROP COLUMN sensitive_access;
