-- The agenda of a case manager read from one index (issue 14, docs/projects-and-pacts.md,
-- docs/benchmarks.md): everything due in a case file (project reviews, pact deadlines, expected
-- releases, planned ends of housing and employment placements, employment reviews, application
-- reconfirmations) once for each case-manager assignment of the file, with the days of the
-- assignment, so that `GET /me/agenda` reads the first page of the case manager's entries in
-- the agenda's own order (due day, kind, subject, commitment) instead of probing every file of
-- the caseload in every source. The entries are derived: the database keeps them in the
-- transaction of every change of a source row or of a team assignment (the triggers below), so
-- that no write path, import, merge or erasure can forget them; `agenda_due` says once what is
-- due. Whether an assignment is current is judged when the agenda is read (the office's day
-- moves without any write). Mirrored in migrations/sqlite.

-- What is due in each case file: `kind_rank` is the place of the kind among the items of one
-- day (domain::agenda::ItemKind::rank), `subject_id` the project, pact, person (an expected
-- release), placement, employment placement or application, `commitment_key` the pact's
-- commitment or the nil UUID, `stopped_since` the first day of a running suspension that keeps
-- a pact check's deadline moving, `person_id` the person of the item when the source names one
-- (otherwise the person of the case file).
CREATE VIEW agenda_due AS
    SELECT case_file_id, 0::smallint AS kind_rank, id AS subject_id, '00000000-0000-0000-0000-000000000000'::uuid AS commitment_key,
           next_review_on AS due_on, NULL::date AS stopped_since, NULL::uuid AS person_id
        FROM projects WHERE status = 'active' AND next_review_on IS NOT NULL
    UNION ALL
    SELECT case_file_id, kind_rank, pact_id, commitment_key, due_on, stopped_since, NULL::uuid
        FROM pact_deadlines
    UNION ALL
    SELECT f.id, 5::smallint, j.person_id, '00000000-0000-0000-0000-000000000000'::uuid, j.expected_release_on, NULL::date, j.person_id
        FROM person_justice j
        JOIN persons p ON p.id = j.person_id
        JOIN case_files f ON f.person_id = j.person_id
        WHERE p.annulled_at IS NULL AND j.status <> 'released'
          AND j.expected_release_on IS NOT NULL AND f.status <> 'closed'
    UNION ALL
    SELECT case_file_id, 6::smallint, id, '00000000-0000-0000-0000-000000000000'::uuid, until_on, NULL::date, person_id
        FROM placements WHERE status IN ('planned', 'active')
    UNION ALL
    SELECT case_file_id, 7::smallint, id, '00000000-0000-0000-0000-000000000000'::uuid, until_on, NULL::date, person_id
        FROM employment_placements WHERE status IN ('proposed', 'active') AND until_on IS NOT NULL
    UNION ALL
    SELECT case_file_id, 8::smallint, id, '00000000-0000-0000-0000-000000000000'::uuid, next_review_on, NULL::date, person_id
        FROM employment_placements WHERE status = 'active' AND next_review_on IS NOT NULL
    UNION ALL
    SELECT case_file_id, 9::smallint, id, '00000000-0000-0000-0000-000000000000'::uuid, reconfirm_by, NULL::date, person_id
        FROM applications WHERE status IN ('waiting', 'offered', 'suspended');

CREATE TABLE agenda_entries (
    assignment_id uuid NOT NULL,
    staff_id uuid NOT NULL,
    assigned_from date NOT NULL,
    assigned_until date,
    case_file_id uuid NOT NULL,
    kind_rank smallint NOT NULL CHECK (kind_rank BETWEEN 0 AND 9),
    subject_id uuid NOT NULL,
    commitment_key uuid NOT NULL,
    due_on date NOT NULL,
    stopped_since date CHECK (stopped_since IS NULL OR kind_rank = 3),
    person_id uuid,
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

-- The planner's figures for the new table at once (autovacuum may be off or slow to come).
ANALYZE agenda_entries;

-- A source row changed: the entries of its subject, of the kinds the source gives (the first
-- argument), are written again from `agenda_due`; the second argument names the column that
-- holds the subject.
CREATE FUNCTION agenda_subject_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ranks smallint[] := TG_ARGV[0]::smallint[];
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM agenda_entries
            WHERE subject_id = (to_jsonb(OLD) ->> TG_ARGV[1])::uuid AND kind_rank = ANY (ranks);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO agenda_entries
            SELECT t.id, t.staff_id, t.assigned_from, t.assigned_until, d.case_file_id, d.kind_rank,
                   d.subject_id, d.commitment_key, d.due_on, d.stopped_since, d.person_id
                FROM agenda_due d
                JOIN case_file_team t ON t.case_file_id = d.case_file_id AND t.role = 'case_manager'
                WHERE d.subject_id = (to_jsonb(NEW) ->> TG_ARGV[1])::uuid AND d.kind_rank = ANY (ranks);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER projects_agenda
    AFTER INSERT OR DELETE OR UPDATE OF status, next_review_on, case_file_id
    ON projects
    FOR EACH ROW EXECUTE FUNCTION agenda_subject_changed('{0}', 'id');
CREATE TRIGGER person_justice_agenda
    AFTER INSERT OR DELETE OR UPDATE OF status, expected_release_on, person_id
    ON person_justice
    FOR EACH ROW EXECUTE FUNCTION agenda_subject_changed('{5}', 'person_id');
CREATE TRIGGER persons_agenda
    AFTER UPDATE OF annulled_at
    ON persons
    FOR EACH ROW EXECUTE FUNCTION agenda_subject_changed('{5}', 'id');
CREATE TRIGGER placements_agenda
    AFTER INSERT OR DELETE OR UPDATE OF status, until_on, case_file_id, person_id
    ON placements
    FOR EACH ROW EXECUTE FUNCTION agenda_subject_changed('{6}', 'id');
CREATE TRIGGER employment_placements_agenda
    AFTER INSERT OR DELETE OR UPDATE OF status, until_on, next_review_on, case_file_id, person_id
    ON employment_placements
    FOR EACH ROW EXECUTE FUNCTION agenda_subject_changed('{7,8}', 'id');
CREATE TRIGGER applications_agenda
    AFTER INSERT OR DELETE OR UPDATE OF status, reconfirm_by, case_file_id, person_id
    ON applications
    FOR EACH ROW EXECUTE FUNCTION agenda_subject_changed('{9}', 'id');

-- A stored pact deadline changed: its entries.
CREATE FUNCTION agenda_pact_deadline_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM agenda_entries
            WHERE subject_id = OLD.pact_id AND kind_rank = OLD.kind_rank
              AND commitment_key = OLD.commitment_key;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO agenda_entries
            SELECT t.id, t.staff_id, t.assigned_from, t.assigned_until, d.case_file_id, d.kind_rank,
                   d.subject_id, d.commitment_key, d.due_on, d.stopped_since, d.person_id
                FROM agenda_due d
                JOIN case_file_team t ON t.case_file_id = d.case_file_id AND t.role = 'case_manager'
                WHERE d.subject_id = NEW.pact_id AND d.kind_rank = NEW.kind_rank
                  AND d.commitment_key = NEW.commitment_key;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER pact_deadlines_agenda AFTER INSERT OR DELETE OR UPDATE ON pact_deadlines
    FOR EACH ROW EXECUTE FUNCTION agenda_pact_deadline_changed();

-- A case file closed, opened again or moved to another person: the expected release of its
-- person (the other entries name the file's person through the file itself).
CREATE FUNCTION agenda_case_file_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM agenda_entries
        WHERE subject_id = OLD.person_id AND kind_rank = 5 AND case_file_id = OLD.id;
    INSERT INTO agenda_entries
        SELECT t.id, t.staff_id, t.assigned_from, t.assigned_until, d.case_file_id, d.kind_rank,
               d.subject_id, d.commitment_key, d.due_on, d.stopped_since, d.person_id
            FROM agenda_due d
            JOIN case_file_team t ON t.case_file_id = d.case_file_id AND t.role = 'case_manager'
            WHERE d.subject_id = NEW.person_id AND d.kind_rank = 5 AND d.case_file_id = NEW.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER case_files_agenda AFTER UPDATE OF status, person_id ON case_files
    FOR EACH ROW EXECUTE FUNCTION agenda_case_file_changed();

-- A team assignment changed: the entries of that assignment, when it is a case manager's, are
-- written again from everything due in its case file.
CREATE FUNCTION agenda_team_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM agenda_entries WHERE assignment_id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.role = 'case_manager' THEN
        INSERT INTO agenda_entries
            SELECT NEW.id, NEW.staff_id, NEW.assigned_from, NEW.assigned_until, d.case_file_id,
                   d.kind_rank, d.subject_id, d.commitment_key, d.due_on, d.stopped_since,
                   d.person_id
                FROM agenda_due d
                WHERE d.case_file_id = NEW.case_file_id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER case_file_team_agenda
    AFTER INSERT OR DELETE
        OR UPDATE OF case_file_id, staff_id, role, assigned_from, assigned_until
    ON case_file_team
    FOR EACH ROW EXECUTE FUNCTION agenda_team_changed();
