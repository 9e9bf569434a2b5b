DROP TABLE employment_hours;
DROP TABLE employment_placements;
ALTER TABLE procurement_contracts DROP COLUMN monthly_hours;
