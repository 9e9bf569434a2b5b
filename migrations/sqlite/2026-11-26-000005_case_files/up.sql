-- Case files (cartelle sociali): the taking in charge of a person in an area, its lifecycle
-- history, its team with history, its target groups, and the yearly reference counters.
-- Mirrored in migrations/postgres.

CREATE TABLE case_reference_counters (
    year INTEGER PRIMARY KEY NOT NULL,
    last_sequence INTEGER NOT NULL
);

CREATE TABLE case_files (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    reference TEXT NOT NULL,
    person_id BLOB NOT NULL REFERENCES persons (id),
    area TEXT NOT NULL CHECK (area IN ('adults_disability', 'social_inclusion', 'transversal')),
    status TEXT NOT NULL CHECK (status IN ('intake', 'active', 'suspended', 'closed')),
    opened_on TEXT NOT NULL,
    closed_on TEXT,
    closing_reason TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id),
    CONSTRAINT case_files_reference_key UNIQUE (reference)
);
CREATE INDEX case_files_person_idx ON case_files (person_id);
CREATE INDEX case_files_area_status_idx ON case_files (area, status, id);

CREATE TABLE case_file_transitions (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    case_file_id BLOB NOT NULL REFERENCES case_files (id),
    transition TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    reason TEXT NOT NULL,
    closing_reason TEXT,
    author_id BLOB NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX case_file_transitions_case_idx ON case_file_transitions (case_file_id, recorded_at);

CREATE TABLE case_file_team (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    case_file_id BLOB NOT NULL REFERENCES case_files (id),
    staff_id BLOB NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('case_manager', 'social_worker', 'educator', 'other')),
    assigned_from TEXT NOT NULL,
    assigned_until TEXT,
    assigned_by BLOB NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX case_file_team_case_idx ON case_file_team (case_file_id);
CREATE INDEX case_file_team_staff_idx ON case_file_team (staff_id, assigned_until);

CREATE TABLE case_file_target_groups (
    case_file_id BLOB NOT NULL REFERENCES case_files (id),
    target_group TEXT NOT NULL CHECK (target_group IN ('adult_in_need', 'person_with_disability',
        'homeless', 'roma_sinti_caminanti', 'international_protection', 'prison_area',
        'income_support_beneficiary')),
    PRIMARY KEY (case_file_id, target_group)
);
CREATE INDEX case_file_target_groups_group_idx ON case_file_target_groups (target_group, case_file_id);
