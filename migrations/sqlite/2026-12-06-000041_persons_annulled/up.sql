-- The few annulled persons, by id (see migrations/postgres).
CREATE INDEX persons_annulled_idx ON persons (id) WHERE annulled_at IS NOT NULL;
