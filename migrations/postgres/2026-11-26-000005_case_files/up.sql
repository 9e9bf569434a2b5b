-- Case files (cartelle sociali): the taking in charge of a person in an area, its lifecycle
-- history, its team with history, its target groups, and the yearly reference counters.
-- Mirrored in migrations/sqlite.

CREATE TABLE case_reference_counters (
    year integer PRIMARY KEY,
    last_sequence integer NOT NULL
);

CREATE TABLE case_files (
    id uuid PRIMARY KEY,
    reference text NOT NULL,
    person_id uuid NOT NULL REFERENCES persons (id),
    area text NOT NULL CHECK (area IN ('adults_disability', 'social_inclusion', 'transversal')),
    status text NOT NULL CHECK (status IN ('intake', 'active', 'suspended', 'closed')),
    opened_on date NOT NULL,
    closed_on date,
    closing_reason text,
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id),
    CONSTRAINT case_files_reference_key UNIQUE (reference)
);
CREATE INDEX case_files_person_idx ON case_files (person_id);
CREATE INDEX case_files_area_status_idx ON case_files (area, status, id);

CREATE TABLE case_file_transitions (
    id uuid PRIMARY KEY,
    case_file_id uuid NOT NULL REFERENCES case_files (id),
    transition text NOT NULL,
    from_status text NOT NULL,
    to_status text NOT NULL,
    occurred_on date NOT NULL,
    reason text NOT NULL,
    closing_reason text,
    author_id uuid NOT NULL REFERENCES users (id),
    recorded_at timestamptz NOT NULL
);
CREATE INDEX case_file_transitions_case_idx ON case_file_transitions (case_file_id, recorded_at);

CREATE TABLE case_file_team (
    id uuid PRIMARY KEY,
    case_file_id uuid NOT NULL REFERENCES case_files (id),
    staff_id uuid NOT NULL REFERENCES users (id),
    role text NOT NULL CHECK (role IN ('case_manager', 'social_worker', 'educator', 'other')),
    assigned_from date NOT NULL,
    assigned_until date,
    assigned_by uuid NOT NULL REFERENCES users (id),
    recorded_at timestamptz NOT NULL
);
CREATE INDEX case_file_team_case_idx ON case_file_team (case_file_id);
CREATE INDEX case_file_team_staff_idx ON case_file_team (staff_id, assigned_until);

CREATE TABLE case_file_target_groups (
    case_file_id uuid NOT NULL REFERENCES case_files (id),
    target_group text NOT NULL CHECK (target_group IN ('adult_in_need', 'person_with_disability',
        'homeless', 'roma_sinti_caminanti', 'international_protection', 'prison_area',
        'income_support_beneficiary')),
    PRIMARY KEY (case_file_id, target_group)
);
CREATE INDEX case_file_target_groups_group_idx ON case_file_target_groups (target_group, case_file_id);
