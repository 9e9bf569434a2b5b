-- One non-closed case file per person and area. Opening a file checks for an open one first
-- (api/src/routes/case_files.rs, open_case_file), but on PostgreSQL two concurrent openings both
-- passed that check under READ COMMITTED and 10 simultaneous requests created 2-4 open files;
-- reopening a closed file never checked at all. The partial unique index makes the database
-- refuse the second one (a unique violation, answered 409 by the API).
-- Existing duplicates make this migration fail; find them with
--   SELECT person_id, area, count(*) FROM case_files WHERE status <> 'closed'
--   GROUP BY person_id, area HAVING count(*) > 1;
-- and close all but one before upgrading. Mirrored in migrations/postgres.
CREATE UNIQUE INDEX case_files_one_open_per_person_area_idx ON case_files (person_id, area)
    WHERE status <> 'closed';
