-- Social projects (progetti sociali personalizzati) of a case file: the project with its
-- lifecycle history, objectives, participants, actions and reviews with an outcome per
-- objective. Mirrored in migrations/sqlite.

CREATE TABLE projects (
    id uuid PRIMARY KEY,
    case_file_id uuid NOT NULL REFERENCES case_files (id),
    kind text NOT NULL CHECK (kind IN ('community_support', 'life_project', 'social_housing',
        'inclusion_path', 'housing_path', 'employment_path', 'prison_reintegration')),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    status text NOT NULL CHECK (status IN ('draft', 'active', 'completed', 'interrupted')),
    drafted_on date NOT NULL,
    started_on date,
    ended_on date,
    interruption_reason text,
    next_review_on date,
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id),
    CONSTRAINT projects_active_has_review
        CHECK (status <> 'active' OR (started_on IS NOT NULL AND next_review_on IS NOT NULL)),
    CONSTRAINT projects_ended_has_day
        CHECK (status NOT IN ('completed', 'interrupted') OR ended_on IS NOT NULL),
    CONSTRAINT projects_interrupted_has_reason
        CHECK ((status = 'interrupted') = (interruption_reason IS NOT NULL))
);
CREATE INDEX projects_case_file_idx ON projects (case_file_id, id);
CREATE INDEX projects_review_idx ON projects (status, next_review_on);

CREATE TABLE project_transitions (
    id uuid PRIMARY KEY,
    project_id uuid NOT NULL REFERENCES projects (id),
    transition text NOT NULL,
    from_status text NOT NULL,
    to_status text NOT NULL,
    occurred_on date NOT NULL,
    reason text,
    author_id uuid NOT NULL REFERENCES users (id),
    recorded_at timestamptz NOT NULL
);
CREATE INDEX project_transitions_project_idx ON project_transitions (project_id, recorded_at);

CREATE TABLE project_objectives (
    id uuid PRIMARY KEY,
    project_id uuid NOT NULL REFERENCES projects (id),
    domain text NOT NULL,
    description text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    target_date date NOT NULL,
    indicator text CHECK (length(indicator) <= 500),
    status text NOT NULL CHECK (status IN ('planned', 'in_progress', 'achieved',
        'partially_achieved', 'not_achieved', 'dropped')),
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id)
);
CREATE INDEX project_objectives_project_idx ON project_objectives (project_id, id);

CREATE TABLE project_participants (
    id uuid PRIMARY KEY,
    project_id uuid NOT NULL REFERENCES projects (id),
    kind text NOT NULL CHECK (kind IN ('person', 'household_member', 'staff',
        'external_service')),
    person_id uuid REFERENCES persons (id),
    staff_id uuid REFERENCES users (id),
    service text,
    organisation text CHECK (length(organisation) <= 500),
    role text CHECK (length(role) <= 500),
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    CONSTRAINT project_participants_identified CHECK (
        (kind IN ('person', 'household_member') AND person_id IS NOT NULL)
        OR (kind = 'staff' AND staff_id IS NOT NULL)
        OR (kind = 'external_service' AND organisation IS NOT NULL))
);
CREATE INDEX project_participants_project_idx ON project_participants (project_id, id);

CREATE TABLE project_actions (
    id uuid PRIMARY KEY,
    project_id uuid NOT NULL REFERENCES projects (id),
    description text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    participant_id uuid REFERENCES project_participants (id),
    due_on date,
    status text NOT NULL CHECK (status IN ('planned', 'done', 'cancelled')),
    done_on date,
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id),
    CONSTRAINT project_actions_done_has_day CHECK ((status = 'done') = (done_on IS NOT NULL))
);
CREATE INDEX project_actions_project_idx ON project_actions (project_id, id);

CREATE TABLE project_reviews (
    id uuid PRIMARY KEY,
    project_id uuid NOT NULL REFERENCES projects (id),
    reviewed_on date NOT NULL,
    notes text,
    next_review_on date NOT NULL,
    author_id uuid NOT NULL REFERENCES users (id),
    recorded_at timestamptz NOT NULL,
    CONSTRAINT project_reviews_next_after CHECK (next_review_on > reviewed_on)
);
CREATE INDEX project_reviews_project_idx ON project_reviews (project_id, reviewed_on);

CREATE TABLE project_review_outcomes (
    review_id uuid NOT NULL REFERENCES project_reviews (id),
    objective_id uuid NOT NULL REFERENCES project_objectives (id),
    status text NOT NULL,
    note text,
    PRIMARY KEY (review_id, objective_id)
);
