-- Social projects (progetti sociali personalizzati) of a case file: the project with its
-- lifecycle history, objectives, participants, actions and reviews with an outcome per
-- objective. Mirrored in migrations/postgres.

CREATE TABLE projects (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    case_file_id BLOB NOT NULL REFERENCES case_files (id),
    kind TEXT NOT NULL CHECK (kind IN ('community_support', 'life_project', 'social_housing',
        'inclusion_path', 'housing_path', 'employment_path', 'prison_reintegration')),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'completed', 'interrupted')),
    drafted_on TEXT NOT NULL,
    started_on TEXT,
    ended_on TEXT,
    interruption_reason TEXT,
    next_review_on TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id),
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
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    project_id BLOB NOT NULL REFERENCES projects (id),
    transition TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    reason TEXT,
    author_id BLOB NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX project_transitions_project_idx ON project_transitions (project_id, recorded_at);

CREATE TABLE project_objectives (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    project_id BLOB NOT NULL REFERENCES projects (id),
    domain TEXT NOT NULL,
    description TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    target_date TEXT NOT NULL,
    indicator TEXT CHECK (length(indicator) <= 500),
    status TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'achieved',
        'partially_achieved', 'not_achieved', 'dropped')),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id)
);
CREATE INDEX project_objectives_project_idx ON project_objectives (project_id, id);

CREATE TABLE project_participants (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    project_id BLOB NOT NULL REFERENCES projects (id),
    kind TEXT NOT NULL CHECK (kind IN ('person', 'household_member', 'staff',
        'external_service')),
    person_id BLOB REFERENCES persons (id),
    staff_id BLOB REFERENCES users (id),
    service TEXT,
    organisation TEXT CHECK (length(organisation) <= 500),
    role TEXT CHECK (length(role) <= 500),
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    CONSTRAINT project_participants_identified CHECK (
        (kind IN ('person', 'household_member') AND person_id IS NOT NULL)
        OR (kind = 'staff' AND staff_id IS NOT NULL)
        OR (kind = 'external_service' AND organisation IS NOT NULL))
);
CREATE INDEX project_participants_project_idx ON project_participants (project_id, id);

CREATE TABLE project_actions (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    project_id BLOB NOT NULL REFERENCES projects (id),
    description TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    participant_id BLOB REFERENCES project_participants (id),
    due_on TEXT,
    status TEXT NOT NULL CHECK (status IN ('planned', 'done', 'cancelled')),
    done_on TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id),
    CONSTRAINT project_actions_done_has_day CHECK ((status = 'done') = (done_on IS NOT NULL))
);
CREATE INDEX project_actions_project_idx ON project_actions (project_id, id);

CREATE TABLE project_reviews (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    project_id BLOB NOT NULL REFERENCES projects (id),
    reviewed_on TEXT NOT NULL,
    notes TEXT,
    next_review_on TEXT NOT NULL,
    author_id BLOB NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL,
    CONSTRAINT project_reviews_next_after CHECK (next_review_on > reviewed_on)
);
CREATE INDEX project_reviews_project_idx ON project_reviews (project_id, reviewed_on);

CREATE TABLE project_review_outcomes (
    review_id BLOB NOT NULL REFERENCES project_reviews (id),
    objective_id BLOB NOT NULL REFERENCES project_objectives (id),
    status TEXT NOT NULL,
    note TEXT,
    PRIMARY KEY (review_id, objective_id)
);
