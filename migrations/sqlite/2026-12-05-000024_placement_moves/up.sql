-- The moves of a placement to another bed: from which night its remaining nights left which bed
-- for which, why, and by whom (the placement keeps its current bed; each night in `bed_nights`
-- keeps the bed the person slept in). See docs/housing.md. Mirror of migrations/postgres.
CREATE TABLE placement_moves (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    placement_id BLOB NOT NULL REFERENCES placements (id),
    from_bed_id BLOB NOT NULL REFERENCES beds (id),
    to_bed_id BLOB NOT NULL REFERENCES beds (id),
    from_night TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    override_reason TEXT CHECK (override_reason IS NULL OR length(override_reason) BETWEEN 1 AND 500),
    author_id BLOB NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL,
    CONSTRAINT placement_moves_to_another_bed CHECK (from_bed_id <> to_bed_id)
);
CREATE INDEX placement_moves_placement_idx ON placement_moves (placement_id, recorded_at);
