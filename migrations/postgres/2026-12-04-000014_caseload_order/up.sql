-- A caseload page (GET /me/caseload, and case files listed by case manager) reads the staff
-- member's current team rows in file order, joined to their files, and stops after a page
-- (persistence/src/case_files.rs, `list`). With only (staff_id, assigned_until) every page read
-- the whole caseload and sorted it (1,132 files for one case manager at the large benchmark
-- scale, docs/benchmarks.md). Mirrored in migrations/sqlite.
CREATE INDEX case_file_team_staff_file_idx ON case_file_team (staff_id, case_file_id);
