-- Offers and admissions to care resources (issue 17, docs/waiting-lists.md). Mirror of
-- migrations/postgres: the count of places held moves with the allocations' state by
-- trigger, and CHECK bounds it by the ceiling.
CREATE TABLE resource_occupancy (
    resource_id BLOB PRIMARY KEY NOT NULL REFERENCES resources (id),
    places_held INTEGER NOT NULL CHECK (places_held >= 0),
    places_ceiling INTEGER NOT NULL CHECK (places_ceiling BETWEEN 0 AND 100000),
    CONSTRAINT resource_occupancy_within CHECK (places_held <= places_ceiling)
);
INSERT INTO resource_occupancy (resource_id, places_held, places_ceiling)
    SELECT id, 0, 0 FROM resources;

CREATE TABLE place_allocations (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    application_id BLOB NOT NULL REFERENCES applications (id),
    resource_id BLOB NOT NULL REFERENCES resources (id),
    state TEXT NOT NULL CHECK (state IN ('offered', 'admitted', 'declined', 'lapsed', 'withdrawn', 'left')),
    offered_on TEXT,
    respond_by TEXT,
    admitted_on TEXT,
    ended_on TEXT,
    exit TEXT CHECK (exit IN ('needs_met', 'own_choice', 'moved_away', 'other_service', 'deceased',
        'dismissed', 'other')),
    out_of_order_reason TEXT CHECK (out_of_order_reason IS NULL OR length(out_of_order_reason) BETWEEN 1 AND 500),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id),
    CONSTRAINT place_allocations_offer CHECK ((offered_on IS NULL) = (respond_by IS NULL)
        AND (respond_by IS NULL OR respond_by >= offered_on)),
    CONSTRAINT place_allocations_started CHECK (offered_on IS NOT NULL OR admitted_on IS NOT NULL),
    CONSTRAINT place_allocations_admitted CHECK (state NOT IN ('admitted', 'left') OR admitted_on IS NOT NULL),
    CONSTRAINT place_allocations_offered CHECK (state <> 'offered' OR (offered_on IS NOT NULL AND admitted_on IS NULL)),
    CONSTRAINT place_allocations_ended CHECK ((state IN ('offered', 'admitted')) = (ended_on IS NULL)
        AND (state = 'left') = (exit IS NOT NULL)
        AND (ended_on IS NULL OR ended_on >= coalesce(admitted_on, offered_on)))
);
CREATE UNIQUE INDEX place_allocations_holding_idx ON place_allocations (application_id)
    WHERE state IN ('offered', 'admitted');
CREATE INDEX place_allocations_resource_idx ON place_allocations (resource_id, state);

CREATE TRIGGER place_allocations_take AFTER INSERT ON place_allocations
    WHEN NEW.state IN ('offered', 'admitted')
BEGIN
    UPDATE resource_occupancy SET places_held = places_held + 1 WHERE resource_id = NEW.resource_id;
END;
CREATE TRIGGER place_allocations_retake AFTER UPDATE OF state ON place_allocations
    WHEN NEW.state IN ('offered', 'admitted') AND OLD.state NOT IN ('offered', 'admitted')
BEGIN
    UPDATE resource_occupancy SET places_held = places_held + 1 WHERE resource_id = NEW.resource_id;
END;
CREATE TRIGGER place_allocations_free AFTER UPDATE OF state ON place_allocations
    WHEN OLD.state IN ('offered', 'admitted') AND NEW.state NOT IN ('offered', 'admitted')
BEGIN
    UPDATE resource_occupancy SET places_held = places_held - 1 WHERE resource_id = NEW.resource_id;
END;
CREATE TRIGGER place_allocations_fixed BEFORE UPDATE OF resource_id ON place_allocations
    WHEN OLD.resource_id <> NEW.resource_id
BEGIN
    SELECT RAISE(ABORT, 'an allocation never moves to another resource');
END;
CREATE TRIGGER place_allocations_kept BEFORE DELETE ON place_allocations
BEGIN
    SELECT RAISE(ABORT, 'allocations are kept: a place is freed by a change of state');
END;

CREATE TABLE allocation_decisions (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    allocation_id BLOB NOT NULL REFERENCES place_allocations (id),
    decision TEXT NOT NULL CHECK (decision IN ('offer', 'admit', 'decline', 'leave', 'lapse', 'withdraw')),
    occurred_on TEXT NOT NULL,
    reason TEXT CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 500),
    recorded_at TEXT NOT NULL,
    recorded_by BLOB NOT NULL REFERENCES users (id)
);
CREATE INDEX allocation_decisions_allocation_idx ON allocation_decisions (allocation_id, recorded_at);
