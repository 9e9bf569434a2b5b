-- The agenda of a case manager read from one index (issue 14). Mirror of migrations/postgres,
-- where the reasons are; SQLite has no trigger functions, so each source has its own triggers
-- (insert, update of the columns that matter, delete).

CREATE VIEW agenda_due AS
    SELECT case_file_id, 0 AS kind_rank, id AS subject_id, x'00000000000000000000000000000000' AS commitment_key,
           next_review_on AS due_on, NULL AS stopped_since, NULL AS person_id
        FROM projects WHERE status = 'active' AND next_review_on IS NOT NULL
    UNION ALL
    SELECT case_file_id, kind_rank, pact_id, commitment_key, due_on, stopped_since, NULL
        FROM pact_deadlines
    UNION ALL
    SELECT f.id, 5, j.person_id, x'00000000000000000000000000000000', j.expected_release_on, NULL, j.person_id
        FROM person_justice j
        JOIN persons p ON p.id = j.person_id
        JOIN case_files f ON f.person_id = j.person_id
        WHERE p.annulled_at IS NULL AND j.status <> 'released'
          AND j.expected_release_on IS NOT NULL AND f.status <> 'closed'
    UNION ALL
    SELECT case_file_id, 6, id, x'00000000000000000000000000000000', until_on, NULL, person_id
        FROM placements WHERE status IN ('planned', 'active')
    UNION ALL
    SELECT case_file_id, 7, id, x'00000000000000000000000000000000', until_on, NULL, person_id
        FROM employment_placements WHERE status IN ('proposed', 'active') AND until_on IS NOT NULL
    UNION ALL
    SELECT case_file_id, 8, id, x'00000000000000000000000000000000', next_review_on, NULL, person_id
        FROM employment_placements WHERE status = 'active' AND next_review_on IS NOT NULL
    UNION ALL
    SELECT case_file_id, 9, id, x'00000000000000000000000000000000', reconfirm_by, NULL, person_id
        FROM applications WHERE status IN ('waiting', 'offered', 'suspended');

CREATE TABLE agenda_entries (
    assignment_id BLOB NOT NULL,
    staff_id BLOB NOT NULL,
    assigned_from TEXT NOT NULL,
    assigned_until TEXT,
    case_file_id BLOB NOT NULL,
    kind_rank INTEGER NOT NULL CHECK (kind_rank BETWEEN 0 AND 9),
    subject_id BLOB NOT NULL,
    commitment_key BLOB NOT NULL,
    due_on TEXT NOT NULL,
    stopped_since TEXT CHECK (stopped_since IS NULL OR kind_rank = 3),
    person_id BLOB,
    PRIMARY KEY (assignment_id, kind_rank, subject_id, commitment_key)
);
-- A page: a case manager's entries in the agenda's order.
CREATE INDEX agenda_entries_staff_due_idx
    ON agenda_entries (staff_id, due_on, kind_rank, subject_id, commitment_key, case_file_id);
-- What is read apart from the pages: the pact checks whose deadline moves with the day (few,
-- read whole) and the expected releases up to their own horizon.
CREATE INDEX agenda_entries_moving_idx ON agenda_entries (staff_id)
    WHERE stopped_since IS NOT NULL;
CREATE INDEX agenda_entries_release_idx ON agenda_entries (staff_id, due_on)
    WHERE kind_rank = 5;
-- The triggers: the entries of one subject.
CREATE INDEX agenda_entries_subject_idx ON agenda_entries (subject_id, kind_rank);

INSERT INTO agenda_entries
    SELECT t.id, t.staff_id, t.assigned_from, t.assigned_until, d.case_file_id, d.kind_rank,
           d.subject_id, d.commitment_key, d.due_on, d.stopped_since, d.person_id
        FROM agenda_due d
        JOIN case_file_team t ON t.case_file_id = d.case_file_id AND t.role = 'case_manager';

CREATE TRIGGER projects_agenda_inserted AFTER INSERT ON projects
BEGIN
    INSERT INTO agenda_entries
        SELECT t.id, t.staff_id, t.assigned_from, t.assigned_until, d.case_file_id, d.kind_rank,
               d.subject_id, d.commitment_key, d.due_on, d.stopped_since, d.person_id
            FROM agenda_due d
            JOIN case_file_team t ON t.case_file_id = d.case_file_id AND t.role = 'case_manager'
            WHERE d.subject_id = NEW.id AND d.kind_rank = 0;
END;
CREATE TRIGGER projects_agenda_updated AFTER UPDATE OF status, next_review_on, case_file_id ON projects
BEGIN
    DELETE FROM agenda_entries WHERE subject_id = OLD.id AND kind_rank = 0;
    INSERT INTO agenda_entries
        SELECT t.id, t.staff_id, t.assigned_from, t.assigned_until, d.case_file_id, d.kind_rank,
               d.subject_id, d.commitment_key, d.due_on, d.stopped_since, d.person_id
            FROM agenda_due d
            JOIN case_file_team t ON t.case_file_id = d.case_file_id AND t.role = 'case_manager'
            WHERE d.subject_id = NEW.id AND d.kind_rank = 0;
END;
CREATE TRIGGER projects_agenda_deleted AFTER DELETE ON projects
BEGIN
    DELETE FROM agenda_entries WHERE subject_id = OLD.id AND kind_rank = 0;
END;
CREATE TRIGGER person_justice_agenda_inserted AFTER INSERT ON person_justice
BEGIN
    INSERT INTO agenda_entries
        SELECT t.id, t.staff_id, t.assigned_from, t.assigned_until, d.case_file_id, d.kind_rank,
               d.subject_id, d.commitment_key, d.due_on, d.stopped_since, d.person_id
            FROM agenda_due d
            JOIN case_file_team t ON t.case_file_id = d.case_file_id AND t.role = 'case_manager'
            WHERE d.subject_id = NEW.person_id AND d.kind_rank = 5;
END;
CREATE TRIGGER person_justice_agenda_updated AFTER UPDATE OF status, expected_release_on, person_id ON person_justice
BEGIN
    DELETE FROM agenda_entries WHERE subject_id = OLD.person_id AND kind_rank = 5;
    INSERT INTO agenda_entries
        SELECT t.id, t.staff_id, t.assigned_from, t.assigned_until, d.case_file_id, d.kind_rank,
               d.subject_id, d.commitment_key, d.due_on, d.stopped_since, d.person_id
            FROM agenda_due d
            JOIN case_file_team t ON t.case_file_id = d.case_file_id AND t.role = 'case_manager'
            WHERE d.subject_id = NEW.person_id AND d.kind_rank = 5;
END;
CREATE TRIGGER person_justice_agenda_deleted AFTER DELETE ON person_justice
BEGIN
    DELETE FROM agenda_entries WHERE subject_id = OLD.person_id AND kind_rank = 5;
END;
CREATE TRIGGER persons_agenda_updated AFTER UPDATE OF annulled_at ON persons
BEGIN
    DELETE FROM agenda_entries WHERE subject_id = OLD.id AND kind_rank = 5;
    INSERT INTO agenda_entries
        SELECT t.id, t.staff_id, t.assigned_from, t.assigned_until, d.case_file_id, d.kind_rank,
               d.subject_id, d.commitment_key, d.due_on, d.stopped_since, d.person_id
            FROM agenda_due d
            JOIN case_file_team t ON t.case_file_id = d.case_file_id AND t.role = 'case_manager'
            WHERE d.subject_id = NEW.id AND d.kind_rank = 5;
END;
CREATE TRIGGER placements_agenda_inserted AFTER INSERT ON placements
BEGIN
    INSERT INTO agenda_entries
        SELECT t.id, t.staff_id, t.assigned_from, t.assigned_until, d.case_file_id, d.kind_rank,
               d.subject_id, d.commitment_key, d.due_on, d.stopped_since, d.person_id
            FROM agenda_due d
            JOIN case_file_team t ON t.case_file_id = d.case_file_id AND t.role = 'case_manager'
            WHERE d.subject_id = NEW.id AND d.kind_rank = 6;
END;
CREATE TRIGGER placements_agenda_updated AFTER UPDATE OF status, until_on, case_file_id, person_id ON placements
BEGIN
    DELETE FROM agenda_entries WHERE subject_id = OLD.id AND kind_rank = 6;
    INSERT INTO agenda_entries
        SELECT t.id, t.staff_id, t.assigned_from, t.assigned_until, d.case_file_id, d.kind_rank,
               d.subject_id, d.commitment_key, d.due_on, d.stopped_since, d.person_id
            FROM agenda_due d
            JOIN case_file_team t ON t.case_file_id = d.case_file_id AND t.role = 'case_manager'
            WHERE d.subject_id = NEW.id AND d.kind_rank = 6;
END;
CREATE TRIGGER placements_agenda_deleted AFTER DELETE ON placements
BEGIN
    DELETE FROM agenda_entries WHERE subject_id = OLD.id AND kind_rank = 6;
END;
CREATE TRIGGER employment_placements_agenda_inserted AFTER INSERT ON employment_placements
BEGIN
    INSERT INTO agenda_entries
        SELECT t.id, t.staff_id, t.assigned_from, t.assigned_until, d.case_file_id, d.kind_rank,
               d.subject_id, d.commitment_key, d.due_on, d.stopped_since, d.person_id
            FROM agenda_due d
            JOIN case_file_team t ON t.case_file_id = d.case_file_id AND t.role = 'case_manager'
            WHERE d.subject_id = NEW.id AND d.kind_rank IN (7, 8);
END;
CREATE TRIGGER employment_placements_agenda_updated AFTER UPDATE OF status, until_on, next_review_on, case_file_id, person_id ON employment_placements
BEGIN
    DELETE FROM agenda_entries WHERE subject_id = OLD.id AND kind_rank IN (7, 8);
    INSERT INTO agenda_entries
        SELECT t.id, t.staff_id, t.assigned_from, t.assigned_until, d.case_file_id, d.kind_rank,
               d.subject_id, d.commitment_key, d.due_on, d.stopped_since, d.person_id
            FROM agenda_due d
            JOIN case_file_team t ON t.case_file_id = d.case_file_id AND t.role = 'case_manager'
            WHERE d.subject_id = NEW.id AND d.kind_rank IN (7, 8);
END;
CREATE TRIGGER employment_placements_agenda_deleted AFTER DELETE ON employment_placements
BEGIN
    DELETE FROM agenda_entries WHERE subject_id = OLD.id AND kind_rank IN (7, 8);
END;
CREATE TRIGGER applications_agenda_inserted AFTER INSERT ON applications
BEGIN
    INSERT INTO agenda_entries
        SELECT t.id, t.staff_id, t.assigned_from, t.assigned_until, d.case_file_id, d.kind_rank,
               d.subject_id, d.commitment_key, d.due_on, d.stopped_since, d.person_id
            FROM agenda_due d
            JOIN case_file_team t ON t.case_file_id = d.case_file_id AND t.role = 'case_manager'
            WHERE d.subject_id = NEW.id AND d.kind_rank = 9;
END;
CREATE TRIGGER applications_agenda_updated AFTER UPDATE OF status, reconfirm_by, case_file_id, person_id ON applications
BEGIN
    DELETE FROM agenda_entries WHERE subject_id = OLD.id AND kind_rank = 9;
    INSERT INTO agenda_entries
        SELECT t.id, t.staff_id, t.assigned_from, t.assigned_until, d.case_file_id, d.kind_rank,
               d.subject_id, d.commitment_key, d.due_on, d.stopped_since, d.person_id
            FROM agenda_due d
            JOIN case_file_team t ON t.case_file_id = d.case_file_id AND t.role = 'case_manager'
            WHERE d.subject_id = NEW.id AND d.kind_rank = 9;
END;
CREATE TRIGGER applications_agenda_deleted AFTER DELETE ON applications
BEGIN
    DELETE FROM agenda_entries WHERE subject_id = OLD.id AND kind_rank = 9;
END;
CREATE TRIGGER pact_deadlines_agenda_inserted AFTER INSERT ON pact_deadlines
BEGIN
    INSERT INTO agenda_entries
        SELECT t.id, t.staff_id, t.assigned_from, t.assigned_until, d.case_file_id, d.kind_rank,
               d.subject_id, d.commitment_key, d.due_on, d.stopped_since, d.person_id
            FROM agenda_due d
            JOIN case_file_team t ON t.case_file_id = d.case_file_id AND t.role = 'case_manager'
            WHERE d.subject_id = NEW.pact_id AND d.kind_rank = NEW.kind_rank
              AND d.commitment_key = NEW.commitment_key;
END;
CREATE TRIGGER pact_deadlines_agenda_updated AFTER UPDATE ON pact_deadlines
BEGIN
    DELETE FROM agenda_entries
        WHERE subject_id = OLD.pact_id AND kind_rank = OLD.kind_rank
          AND commitment_key = OLD.commitment_key;
    INSERT INTO agenda_entries
        SELECT t.id, t.staff_id, t.assigned_from, t.assigned_until, d.case_file_id, d.kind_rank,
               d.subject_id, d.commitment_key, d.due_on, d.stopped_since, d.person_id
            FROM agenda_due d
            JOIN case_file_team t ON t.case_file_id = d.case_file_id AND t.role = 'case_manager'
            WHERE d.subject_id = NEW.pact_id AND d.kind_rank = NEW.kind_rank
              AND d.commitment_key = NEW.commitment_key;
END;
CREATE TRIGGER pact_deadlines_agenda_deleted AFTER DELETE ON pact_deadlines
BEGIN
    DELETE FROM agenda_entries
        WHERE subject_id = OLD.pact_id AND kind_rank = OLD.kind_rank
          AND commitment_key = OLD.commitment_key;
END;
CREATE TRIGGER case_files_agenda_updated AFTER UPDATE OF status, person_id ON case_files
BEGIN
    DELETE FROM agenda_entries
        WHERE subject_id = OLD.person_id AND kind_rank = 5 AND case_file_id = OLD.id;
    INSERT INTO agenda_entries
        SELECT t.id, t.staff_id, t.assigned_from, t.assigned_until, d.case_file_id, d.kind_rank,
               d.subject_id, d.commitment_key, d.due_on, d.stopped_since, d.person_id
            FROM agenda_due d
            JOIN case_file_team t ON t.case_file_id = d.case_file_id AND t.role = 'case_manager'
            WHERE d.subject_id = NEW.person_id AND d.kind_rank = 5 AND d.case_file_id = NEW.id;
END;
CREATE TRIGGER case_file_team_agenda_inserted AFTER INSERT ON case_file_team
BEGIN
    INSERT INTO agenda_entries
        SELECT NEW.id, NEW.staff_id, NEW.assigned_from, NEW.assigned_until, d.case_file_id,
               d.kind_rank, d.subject_id, d.commitment_key, d.due_on, d.stopped_since,
               d.person_id
            FROM agenda_due d
            WHERE NEW.role = 'case_manager' AND d.case_file_id = NEW.case_file_id;
END;
CREATE TRIGGER case_file_team_agenda_updated AFTER UPDATE OF case_file_id, staff_id, role, assigned_from, assigned_until
    ON case_file_team
BEGIN
    DELETE FROM agenda_entries WHERE assignment_id = OLD.id;
    INSERT INTO agenda_entries
        SELECT NEW.id, NEW.staff_id, NEW.assigned_from, NEW.assigned_until, d.case_file_id,
               d.kind_rank, d.subject_id, d.commitment_key, d.due_on, d.stopped_since,
               d.person_id
            FROM agenda_due d
            WHERE NEW.role = 'case_manager' AND d.case_file_id = NEW.case_file_id;
END;
CREATE TRIGGER case_file_team_agenda_deleted AFTER DELETE ON case_file_team
BEGIN
    DELETE FROM agenda_entries WHERE assignment_id = OLD.id;
END;
