-- Applications (domande) of persons for care resources (issue 17, docs/waiting-lists.md): a
-- yearly protocol number, the case file they are made in, the submission instant and day, the
-- last confirmation, the status; and the inputs of each criterion with their source and day,
-- never changed: a correction is a newer input of the same criterion (the history stays).
CREATE TABLE application_protocol_counters (
    year integer PRIMARY KEY CHECK (year BETWEEN 1900 AND 2199),
    last_sequence integer NOT NULL CHECK (last_sequence BETWEEN 1 AND 999999)
);

CREATE TABLE applications (
    id uuid PRIMARY KEY,
    protocol_year integer NOT NULL CHECK (protocol_year BETWEEN 1900 AND 2199),
    protocol_number integer NOT NULL CHECK (protocol_number BETWEEN 1 AND 999999),
    resource_id uuid NOT NULL REFERENCES resources (id),
    case_file_id uuid NOT NULL REFERENCES case_files (id),
    person_id uuid NOT NULL REFERENCES persons (id),
    submitted_at timestamptz NOT NULL,
    submitted_on date NOT NULL,
    confirmed_on date NOT NULL,
    -- The resource's reconfirmation period after confirmed_on, as it was at the confirmation.
    reconfirm_by date NOT NULL,
    status text NOT NULL CHECK (status IN ('waiting', 'offered', 'admitted', 'declined', 'withdrawn',
        'suspended', 'expired')),
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id),
    CONSTRAINT applications_confirmed CHECK (confirmed_on >= submitted_on AND reconfirm_by > confirmed_on)
);
CREATE UNIQUE INDEX applications_protocol_idx ON applications (protocol_year, protocol_number);
-- A person has one open application per resource.
CREATE UNIQUE INDEX applications_one_open_idx ON applications (resource_id, person_id)
    WHERE status IN ('waiting', 'offered', 'suspended');
-- The ranking reads the waiting applications of a resource.
CREATE INDEX applications_resource_status_idx ON applications (resource_id, status);
CREATE INDEX applications_case_file_idx ON applications (case_file_id);
-- The agenda reads the reconfirmations due of the open applications.
CREATE INDEX applications_reconfirm_idx ON applications (reconfirm_by, id, case_file_id, person_id)
    WHERE status IN ('waiting', 'offered', 'suspended');

-- The history of an application's status (withdrawn, suspended, resumed, reconfirmed, expired).
CREATE TABLE application_transitions (
    id uuid PRIMARY KEY,
    application_id uuid NOT NULL REFERENCES applications (id),
    transition text NOT NULL CHECK (transition IN ('withdraw', 'suspend', 'resume', 'reconfirm', 'expire')),
    from_status text NOT NULL,
    to_status text NOT NULL,
    occurred_on date NOT NULL,
    reason text CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 500),
    recorded_at timestamptz NOT NULL,
    recorded_by uuid NOT NULL REFERENCES users (id)
);
CREATE INDEX application_transitions_application_idx ON application_transitions (application_id, recorded_at);

CREATE TABLE application_inputs (
    id uuid PRIMARY KEY,
    application_id uuid NOT NULL REFERENCES applications (id),
    kind text NOT NULL CHECK (kind IN ('urgency', 'family_support', 'disability_severity', 'isee',
        'minors_in_household')),
    level smallint CHECK (level BETWEEN 0 AND 3),
    isee_cents bigint CHECK (isee_cents BETWEEN 0 AND 100000000),
    source text NOT NULL CHECK (source IN ('social_worker_assessment', 'declaration',
        'isee_certificate', 'health_disability_data', 'household_records')),
    as_of date NOT NULL,
    reference text CHECK (reference IS NULL OR length(reference) BETWEEN 1 AND 40),
    recorded_at timestamptz NOT NULL,
    recorded_by uuid NOT NULL REFERENCES users (id),
    CONSTRAINT application_inputs_shape CHECK ((kind = 'isee') = (level IS NULL)),
    CONSTRAINT application_inputs_isee CHECK (kind = 'isee' OR isee_cents IS NULL)
);
-- The current input of each criterion is the latest recorded.
CREATE INDEX application_inputs_application_idx
    ON application_inputs (application_id, kind, recorded_at, id);
