-- The event outbox (issue 18, docs/integration.md): every change of a resource made through the
-- gate writes one event in the transaction of the change (CloudEvents 1.0: id, type, subject,
-- time, data with ids and the version; never names or special-category data). Mirror of
-- migrations/sqlite.
--
-- Commit order. A reader pages the feed by `position` (`GET /events?after=N`); it must never
-- skip an event that commits after the reader has seen a higher position. So positions are
-- given at COMMIT, not at insert: the request stages its event in event_pending, and a deferred
-- constraint trigger, inside the committing transaction, locks the one event_head row, gives
-- the next position, moves the event into `events` and the head forward. The head stays locked
-- until the transaction ends, so a transaction with a higher position cannot commit before one
-- with a lower position: positions are in commit order, without gaps but those of nothing
-- (a failed COMMIT rolls the position back with everything else).
--
-- Lock order: the gate appends the request's audit record before its event, so a committing
-- transaction takes the audit chain head (its trigger fires first) and then the event head;
-- every transaction takes them in that order and none can wait for the other in reverse.
CREATE TABLE events (
    position bigint PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    type text NOT NULL CHECK (length(type) BETWEEN 1 AND 120),
    subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    time timestamptz NOT NULL,
    -- The partner organisation the change concerns (a referral addressed to it…), if any: its
    -- machine clients with the `events` scope receive the event.
    organisation_id uuid,
    -- The CloudEvents `data` member (JSON text: ids, version).
    data text NOT NULL
);
CREATE INDEX events_organisation_idx ON events (organisation_id, position)
    WHERE organisation_id IS NOT NULL;
CREATE INDEX events_time_idx ON events (time);

-- The last position given, and the last one removed by the retention (a reader asking for
-- events after an older position has missed some: 410).
CREATE TABLE event_head (
    id integer PRIMARY KEY CHECK (id = 1),
    last_position bigint NOT NULL,
    pruned_through bigint NOT NULL
);
INSERT INTO event_head (id, last_position, pruned_through) VALUES (1, 0, 0);

-- UNLOGGED: a staged event never outlives its transaction (see audit_pending, migration
-- 000015).
CREATE UNLOGGED TABLE event_pending (
    id uuid PRIMARY KEY,
    type text NOT NULL,
    subject text NOT NULL,
    time timestamptz NOT NULL,
    organisation_id uuid,
    data text NOT NULL
);

CREATE FUNCTION event_sequence_pending() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    next_position bigint;
BEGIN
    SELECT last_position + 1 INTO next_position FROM event_head WHERE id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the event head is missing; apply the migrations with `socialcare migrate`';
    END IF;
    INSERT INTO events (position, id, type, subject, time, organisation_id, data)
    VALUES (next_position, NEW.id, NEW.type, NEW.subject, NEW.time, NEW.organisation_id, NEW.data);
    UPDATE event_head SET last_position = next_position WHERE id = 1;
    DELETE FROM event_pending WHERE id = NEW.id;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER event_pending_sequence AFTER INSERT ON event_pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION event_sequence_pending();
