-- Training and supervision of the staff (issue 16, docs/training.md): the events with the hours
-- and professional credits they give, and who attended them for how many hours. Staff data, not
-- case data. Mirror of migrations/postgres.
CREATE TABLE training_events (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    kind TEXT NOT NULL CHECK (kind IN ('training', 'supervision_group', 'supervision_individual')),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    provider TEXT NOT NULL CHECK (length(provider) BETWEEN 1 AND 200),
    from_on TEXT NOT NULL,
    until_on TEXT NOT NULL,
    hours INTEGER NOT NULL CHECK (hours BETWEEN 1 AND 1000),
    credits INTEGER NOT NULL CHECK (credits BETWEEN 0 AND 60),
    ethics_credits INTEGER NOT NULL CHECK (ethics_credits BETWEEN 0 AND 60),
    notes TEXT CHECK (notes IS NULL OR length(notes) BETWEEN 1 AND 2000),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id),
    CONSTRAINT training_events_period CHECK (until_on >= from_on),
    CONSTRAINT training_events_ethics CHECK (ethics_credits <= credits)
);
CREATE INDEX training_events_from_idx ON training_events (from_on, id);

CREATE TABLE training_attendance (
    event_id BLOB NOT NULL REFERENCES training_events (id),
    user_id BLOB NOT NULL REFERENCES users (id),
    hours INTEGER NOT NULL CHECK (hours BETWEEN 0 AND 1000),
    recorded_at TEXT NOT NULL,
    recorded_by BLOB NOT NULL REFERENCES users (id),
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX training_attendance_user_idx ON training_attendance (user_id);
