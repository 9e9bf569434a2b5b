-- The ranking version of each resource (issue 17, docs/waiting-lists.md). Mirror of
-- migrations/postgres.
ALTER TABLE resource_occupancy ADD COLUMN ranking_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER applications_rank_inserted AFTER INSERT ON applications
BEGIN
    UPDATE resource_occupancy SET ranking_version = ranking_version + 1
        WHERE resource_id = NEW.resource_id;
END;
CREATE TRIGGER applications_rank_updated AFTER UPDATE ON applications
BEGIN
    UPDATE resource_occupancy SET ranking_version = ranking_version + 1
        WHERE resource_id IN (NEW.resource_id, OLD.resource_id);
END;
CREATE TRIGGER application_inputs_rank_changed AFTER INSERT ON application_inputs
BEGIN
    UPDATE resource_occupancy SET ranking_version = ranking_version + 1
        WHERE resource_id = (SELECT resource_id FROM applications WHERE id = NEW.application_id);
END;
