DROP TABLE resource_capacity;
DROP TABLE resources;
DROP TABLE criteria;
DROP TABLE criteria_sets;
DROP FUNCTION criteria_published();
