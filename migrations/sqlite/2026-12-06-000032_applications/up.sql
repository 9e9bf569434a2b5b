-- Applications (domande) of persons for care resources (issue 17, docs/waiting-lists.md), and
-- the inputs of each criterion, never changed: a correction is a newer input. Mirror of
-- migrations/postgres.
CREATE TABLE application_protocol_counters (
    year INTEGER PRIMARY KEY NOT NULL CHECK (year BETWEEN 1900 AND 2199),
    last_sequence INTEGER NOT NULL CHECK (last_sequence BETWEEN 1 AND 999999)
);

CREATE TABLE applications (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    protocol_year INTEGER NOT NULL CHECK (protocol_year BETWEEN 1900 AND 2199),
    protocol_number INTEGER NOT NULL CHECK (protocol_number BETWEEN 1 AND 999999),
    resource_id BLOB NOT NULL REFERENCES resources (id),
    case_file_id BLOB NOT NULL REFERENCES case_files (id),
    person_id BLOB NOT NULL REFERENCES persons (id),
    submitted_at TEXT NOT NULL,
    submitted_on TEXT NOT NULL,
    confirmed_on TEXT NOT NULL,
    -- The resource's reconfirmation period after confirmed_on, as it was at the confirmation.
    reconfirm_by TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('waiting', 'offered', 'admitted', 'declined', 'withdrawn',
        'suspended', 'expired')),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id),
    CONSTRAINT applications_confirmed CHECK (confirmed_on >= submitted_on AND reconfirm_by > confirmed_on)
);
CREATE UNIQUE INDEX applications_protocol_idx ON applications (protocol_year, protocol_number);
CREATE UNIQUE INDEX applications_one_open_idx ON applications (resource_id, person_id)
    WHERE status IN ('waiting', 'offered', 'suspended');
CREATE INDEX applications_resource_status_idx ON applications (resource_id, status);
CREATE INDEX applications_case_file_idx ON applications (case_file_id);
-- The agenda reads the reconfirmations due of the open applications.
CREATE INDEX applications_reconfirm_idx ON applications (reconfirm_by, id, case_file_id, person_id)
    WHERE status IN ('waiting', 'offered', 'suspended');

-- The history of an application's status (withdrawn, suspended, resumed, reconfirmed, expired).
CREATE TABLE application_transitions (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    application_id BLOB NOT NULL REFERENCES applications (id),
    transition TEXT NOT NULL CHECK (transition IN ('withdraw', 'suspend', 'resume', 'reconfirm', 'expire')),
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    reason TEXT CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 500),
    recorded_at TEXT NOT NULL,
    recorded_by BLOB NOT NULL REFERENCES users (id)
);
CREATE INDEX application_transitions_application_idx ON application_transitions (application_id, recorded_at);

CREATE TABLE application_inputs (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    application_id BLOB NOT NULL REFERENCES applications (id),
    kind TEXT NOT NULL CHECK (kind IN ('urgency', 'family_support', 'disability_severity', 'isee',
        'minors_in_household')),
    level INTEGER CHECK (level BETWEEN 0 AND 3),
    isee_cents INTEGER CHECK (isee_cents BETWEEN 0 AND 100000000),
    source TEXT NOT NULL CHECK (source IN ('social_worker_assessment', 'declaration',
        'isee_certificate', 'health_disability_data', 'household_records')),
    as_of TEXT NOT NULL,
    reference TEXT CHECK (reference IS NULL OR length(reference) BETWEEN 1 AND 40),
    recorded_at TEXT NOT NULL,
    recorded_by BLOB NOT NULL REFERENCES users (id),
    CONSTRAINT application_inputs_shape CHECK ((kind = 'isee') = (level IS NULL)),
    CONSTRAINT application_inputs_isee CHECK (kind = 'isee' OR isee_cents IS NULL)
);
CREATE INDEX application_inputs_application_idx
    ON application_inputs (application_id, kind, recorded_at, id);
