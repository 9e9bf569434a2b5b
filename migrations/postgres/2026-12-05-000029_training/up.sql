-- Training and supervision of the staff (issue 16, docs/training.md): the events with the hours
-- and professional credits they give, and who attended them for how many hours. Staff data, not
-- case data. The rules are socialcare_domain::training's.
CREATE TABLE training_events (
    id uuid PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('training', 'supervision_group', 'supervision_individual')),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    provider text NOT NULL CHECK (length(provider) BETWEEN 1 AND 200),
    from_on date NOT NULL,
    until_on date NOT NULL,
    hours smallint NOT NULL CHECK (hours BETWEEN 1 AND 1000),
    credits smallint NOT NULL CHECK (credits BETWEEN 0 AND 60),
    ethics_credits smallint NOT NULL CHECK (ethics_credits BETWEEN 0 AND 60),
    notes text CHECK (notes IS NULL OR length(notes) BETWEEN 1 AND 2000),
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id),
    CONSTRAINT training_events_period CHECK (until_on >= from_on),
    CONSTRAINT training_events_ethics CHECK (ethics_credits <= credits)
);
CREATE INDEX training_events_from_idx ON training_events (from_on, id);

CREATE TABLE training_attendance (
    event_id uuid NOT NULL REFERENCES training_events (id),
    user_id uuid NOT NULL REFERENCES users (id),
    hours smallint NOT NULL CHECK (hours BETWEEN 0 AND 1000),
    recorded_at timestamptz NOT NULL,
    recorded_by uuid NOT NULL REFERENCES users (id),
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX training_attendance_user_idx ON training_attendance (user_id);
