-- Offers and admissions to care resources (issue 17, docs/waiting-lists.md): an offer holds a
-- place until accepted, declined or lapsed; an admission holds it until the person leaves.
-- The database keeps the count of places held per resource and refuses one more than the
-- ceiling (the fewest places the resource has from today on), whatever the code does: the
-- count moves with the allocations' state by trigger, and CHECK bounds it.
CREATE TABLE resource_occupancy (
    resource_id uuid PRIMARY KEY REFERENCES resources (id),
    places_held integer NOT NULL CHECK (places_held >= 0),
    -- The fewest places the resource has on any day from the last refresh on (an admission
    -- has no planned end: it must fit every later capacity).
    places_ceiling integer NOT NULL CHECK (places_ceiling BETWEEN 0 AND 100000),
    CONSTRAINT resource_occupancy_within CHECK (places_held <= places_ceiling)
);
INSERT INTO resource_occupancy (resource_id, places_held, places_ceiling)
    SELECT id, 0, 0 FROM resources;

-- One offer of a place to an application, and the admission that may follow it (or an
-- admission without an offer). `offered` and `admitted` hold a place.
CREATE TABLE place_allocations (
    id uuid PRIMARY KEY,
    application_id uuid NOT NULL REFERENCES applications (id),
    resource_id uuid NOT NULL REFERENCES resources (id),
    state text NOT NULL CHECK (state IN ('offered', 'admitted', 'declined', 'lapsed', 'withdrawn', 'left')),
    offered_on date,
    respond_by date,
    admitted_on date,
    ended_on date,
    exit text CHECK (exit IN ('needs_met', 'own_choice', 'moved_away', 'other_service', 'deceased',
        'dismissed', 'other')),
    -- Why an application that was not first in the ranking got the place.
    out_of_order_reason text CHECK (out_of_order_reason IS NULL OR length(out_of_order_reason) BETWEEN 1 AND 500),
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id),
    CONSTRAINT place_allocations_offer CHECK ((offered_on IS NULL) = (respond_by IS NULL)
        AND (respond_by IS NULL OR respond_by >= offered_on)),
    CONSTRAINT place_allocations_started CHECK (offered_on IS NOT NULL OR admitted_on IS NOT NULL),
    CONSTRAINT place_allocations_admitted CHECK (state NOT IN ('admitted', 'left') OR admitted_on IS NOT NULL),
    CONSTRAINT place_allocations_offered CHECK (state <> 'offered' OR (offered_on IS NOT NULL AND admitted_on IS NULL)),
    CONSTRAINT place_allocations_ended CHECK ((state IN ('offered', 'admitted')) = (ended_on IS NULL)
        AND (state = 'left') = (exit IS NOT NULL)
        AND (ended_on IS NULL OR ended_on >= coalesce(admitted_on, offered_on)))
);
-- An application holds at most one place.
CREATE UNIQUE INDEX place_allocations_holding_idx ON place_allocations (application_id)
    WHERE state IN ('offered', 'admitted');
CREATE INDEX place_allocations_resource_idx ON place_allocations (resource_id, state);

CREATE FUNCTION place_allocations_count() RETURNS trigger AS $$
DECLARE
    was boolean := TG_OP = 'UPDATE' AND OLD.state IN ('offered', 'admitted');
    now_held boolean := NEW.state IN ('offered', 'admitted');
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.resource_id <> NEW.resource_id THEN
        RAISE EXCEPTION 'an allocation never moves to another resource';
    END IF;
    IF was <> now_held THEN
        UPDATE resource_occupancy
            SET places_held = places_held + CASE WHEN now_held THEN 1 ELSE -1 END
            WHERE resource_id = NEW.resource_id;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER place_allocations_count AFTER INSERT OR UPDATE ON place_allocations
    FOR EACH ROW EXECUTE FUNCTION place_allocations_count();
CREATE FUNCTION place_allocations_kept() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'allocations are kept: a place is freed by a change of state';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER place_allocations_kept BEFORE DELETE ON place_allocations
    FOR EACH ROW EXECUTE FUNCTION place_allocations_kept();

-- What was decided on an allocation, in order: offer, admit, decline, leave, and the offers
-- that lapsed or were withdrawn with their application.
CREATE TABLE allocation_decisions (
    id uuid PRIMARY KEY,
    allocation_id uuid NOT NULL REFERENCES place_allocations (id),
    decision text NOT NULL CHECK (decision IN ('offer', 'admit', 'decline', 'leave', 'lapse', 'withdraw')),
    occurred_on date NOT NULL,
    reason text CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 500),
    recorded_at timestamptz NOT NULL,
    recorded_by uuid NOT NULL REFERENCES users (id)
);
CREATE INDEX allocation_decisions_allocation_idx ON allocation_decisions (allocation_id, recorded_at);
