-- The few annulled persons, by id: the indicators (docs/statistics.md) leave out the case
-- files of annulled persons with an anti-join against this index instead of reading every
-- person (a year's persons in charge at 1 000 000 persons read the whole table: 0.9 s).
-- Mirrored in migrations/sqlite.
CREATE INDEX persons_annulled_idx ON persons (id) WHERE annulled_at IS NOT NULL;
