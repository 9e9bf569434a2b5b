DROP TABLE resource_capacity;
DROP TABLE resources;
DROP TRIGGER criteria_no_delete;
DROP TRIGGER criteria_no_update;
DROP TRIGGER criteria_sets_no_delete;
DROP TRIGGER criteria_sets_no_update;
DROP TABLE criteria;
DROP TABLE criteria_sets;
