ALTER TABLE bed_nights DROP COLUMN attendance;
