-- The ranking version of each resource (issue 17, docs/waiting-lists.md): moved by the database
-- in the same transaction as any change of an application of the resource or of its inputs, so
-- that a server process may keep a resource's scored ranking and know, with one indexed read,
-- whether it still holds (several processes stay correct: the version is here, not in them).
ALTER TABLE resource_occupancy ADD COLUMN ranking_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION applications_rank_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE resource_occupancy SET ranking_version = ranking_version + 1
        WHERE resource_id = NEW.resource_id;
    IF TG_OP = 'UPDATE' AND OLD.resource_id <> NEW.resource_id THEN
        UPDATE resource_occupancy SET ranking_version = ranking_version + 1
            WHERE resource_id = OLD.resource_id;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER applications_rank_changed AFTER INSERT OR UPDATE ON applications
    FOR EACH ROW EXECUTE FUNCTION applications_rank_changed();

CREATE FUNCTION application_inputs_rank_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE resource_occupancy SET ranking_version = ranking_version + 1
        WHERE resource_id = (SELECT resource_id FROM applications WHERE id = NEW.application_id);
    RETURN NEW;
END;
$$;
CREATE TRIGGER application_inputs_rank_changed AFTER INSERT ON application_inputs
    FOR EACH ROW EXECUTE FUNCTION application_inputs_rank_changed();
