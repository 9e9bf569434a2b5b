DROP TRIGGER application_inputs_rank_changed;
DROP TRIGGER applications_rank_updated;
DROP TRIGGER applications_rank_inserted;
ALTER TABLE resource_occupancy DROP COLUMN ranking_version;
