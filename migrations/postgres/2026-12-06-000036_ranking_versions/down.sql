DROP TRIGGER application_inputs_rank_changed ON application_inputs;
DROP TRIGGER applications_rank_changed ON applications;
DROP FUNCTION application_inputs_rank_changed();
DROP FUNCTION applications_rank_changed();
ALTER TABLE resource_occupancy DROP COLUMN ranking_version;
