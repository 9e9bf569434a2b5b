-- The event outbox (issue 18, docs/integration.md). Mirror of migrations/postgres, where the
-- comments explain the commit order. SQLite has one writer at a time: the position is given at
-- insert (head + 1) and transactions commit in that order; event_pending exists for the mirror
-- only.
CREATE TABLE events (
    position INTEGER PRIMARY KEY NOT NULL,
    id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
    type TEXT NOT NULL CHECK (length(type) BETWEEN 1 AND 120),
    subject TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    time TEXT NOT NULL,
    organisation_id BLOB,
    data TEXT NOT NULL
);
CREATE INDEX events_organisation_idx ON events (organisation_id, position)
    WHERE organisation_id IS NOT NULL;
CREATE INDEX events_time_idx ON events (time);

CREATE TABLE event_head (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    last_position INTEGER NOT NULL,
    pruned_through INTEGER NOT NULL
);
INSERT INTO event_head (id, last_position, pruned_through) VALUES (1, 0, 0);

CREATE TABLE event_pending (
    id BLOB PRIMARY KEY NOT NULL,
    type TEXT NOT NULL,
    subject TEXT NOT NULL,
    time TEXT NOT NULL,
    organisation_id BLOB,
    data TEXT NOT NULL
);
