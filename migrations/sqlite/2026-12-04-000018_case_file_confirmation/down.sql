ALTER TABLE case_files DROP COLUMN confirmed_by;
ALTER TABLE case_files DROP COLUMN confirmed_at;
