-- The agenda's reads, measured on the large benchmark data (1 000 000 persons; a case manager
-- with 1 132 files): the reviews due scanned the heap of every active project due in the
-- period (19 839 rows, 36 ms) and the team look-up the heap of every team row of the case
-- manager (5 ms). These indexes answer both from the index alone (3.7 ms): the active projects
-- by review day with their case file, and the team rows of a staff member by role with the
-- days of the assignment. Identical on both engines.
CREATE INDEX projects_active_review_idx ON projects (next_review_on, id, case_file_id)
    WHERE status = 'active';
CREATE INDEX case_file_team_staff_role_idx
    ON case_file_team (staff_id, role, case_file_id, assigned_from, assigned_until);
CREATE INDEX pact_deadlines_moving_idx ON pact_deadlines (case_file_id)
    WHERE stopped_since IS NOT NULL;
