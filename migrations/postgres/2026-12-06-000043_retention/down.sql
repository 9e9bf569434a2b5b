DROP TABLE retention_runs;
DROP INDEX case_files_closed_idx;
ALTER TABLE case_files DROP COLUMN content_erased_at;
ALTER TABLE persons DROP COLUMN anonymised_at;
