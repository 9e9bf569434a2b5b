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

-- Inclusion pacts (Patti per l'inclusione sociale) of a case file: the pact with the clock
-- rule version it is computed under, its steps, lifecycle history, commitments per household
-- member, periodic checks with attendees and outcomes, and non-compliance events.

CREATE TABLE pacts (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    case_file_id BLOB NOT NULL REFERENCES case_files (id),
    household_id BLOB REFERENCES households (id),
    measure TEXT NOT NULL CHECK (measure IN ('adi', 'rdc', 'aup', 'local_other')),
    application_reference TEXT NOT NULL CHECK (length(application_reference) BETWEEN 1 AND 50),
    status TEXT NOT NULL CHECK (status IN ('draft', 'signed', 'active', 'suspended', 'closed')),
    drafted_on TEXT NOT NULL,
    activation_on TEXT,
    convocation_on TEXT,
    analysis_outcome TEXT CHECK (analysis_outcome IN ('social_path', 'employment_path',
        'specialist_services')),
    signed_on TEXT,
    active_since TEXT,
    last_check_on TEXT,
    closed_on TEXT,
    closure_outcome TEXT CHECK (closure_outcome IN ('completed', 'lapsed', 'revoked',
        'transferred')),
    rules_version TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id),
    CONSTRAINT pacts_closed_has_outcome
        CHECK ((status = 'closed') = (closure_outcome IS NOT NULL AND closed_on IS NOT NULL)),
    CONSTRAINT pacts_signed_has_day
        CHECK (status IN ('draft', 'closed') OR signed_on IS NOT NULL)
);
CREATE INDEX pacts_case_file_idx ON pacts (case_file_id, id);

CREATE TABLE pact_steps (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    pact_id BLOB NOT NULL REFERENCES pacts (id),
    kind TEXT NOT NULL CHECK (kind IN ('convocation', 'preliminary_analysis',
        'in_depth_assessment', 'signature')),
    occurred_on TEXT NOT NULL,
    outcome TEXT,
    notes TEXT,
    author_id BLOB NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL
);
-- Each step at most once per pact.
CREATE UNIQUE INDEX pact_steps_once ON pact_steps (pact_id, kind);

CREATE TABLE pact_transitions (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    pact_id BLOB NOT NULL REFERENCES pacts (id),
    transition TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    reason TEXT,
    closure_outcome TEXT,
    author_id BLOB NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX pact_transitions_pact_idx ON pact_transitions (pact_id, recorded_at);

CREATE TABLE pact_commitments (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    pact_id BLOB NOT NULL REFERENCES pacts (id),
    person_id BLOB NOT NULL REFERENCES persons (id),
    kind TEXT NOT NULL CHECK (kind IN ('meetings_with_services', 'active_job_search',
        'training', 'school_attendance', 'health_prevention', 'specialist_care',
        'community_utility_project')),
    owner TEXT NOT NULL CHECK (length(owner) BETWEEN 1 AND 500),
    frequency TEXT NOT NULL CHECK (frequency IN ('once', 'weekly', 'monthly', 'quarterly')),
    due_on TEXT NOT NULL,
    verification TEXT NOT NULL CHECK (length(verification) BETWEEN 1 AND 500),
    status TEXT NOT NULL CHECK (status IN ('pending', 'met', 'missed', 'justified')),
    justification TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id),
    CONSTRAINT pact_commitments_justified_has_reason
        CHECK ((status = 'justified') = (justification IS NOT NULL))
);
CREATE INDEX pact_commitments_pact_idx ON pact_commitments (pact_id, id);

CREATE TABLE pact_checks (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    pact_id BLOB NOT NULL REFERENCES pacts (id),
    checked_on TEXT NOT NULL,
    notes TEXT,
    author_id BLOB NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX pact_checks_pact_idx ON pact_checks (pact_id, checked_on);

CREATE TABLE pact_check_attendees (
    check_id BLOB NOT NULL REFERENCES pact_checks (id),
    person_id BLOB NOT NULL REFERENCES persons (id),
    PRIMARY KEY (check_id, person_id)
);

CREATE TABLE pact_check_outcomes (
    check_id BLOB NOT NULL REFERENCES pact_checks (id),
    commitment_id BLOB NOT NULL REFERENCES pact_commitments (id),
    status TEXT NOT NULL,
    note TEXT,
    PRIMARY KEY (check_id, commitment_id)
);

CREATE TABLE pact_non_compliance (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    pact_id BLOB NOT NULL REFERENCES pacts (id),
    commitment_id BLOB REFERENCES pact_commitments (id),
    occurred_on TEXT NOT NULL,
    description TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    relevant_for_sanctions INTEGER NOT NULL CHECK (relevant_for_sanctions IN (0, 1)),
    reported_on TEXT,
    recorded_by BLOB NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL,
    CONSTRAINT pact_non_compliance_report_if_relevant
        CHECK (reported_on IS NULL OR relevant_for_sanctions)
);
CREATE INDEX pact_non_compliance_pact_idx ON pact_non_compliance (pact_id, occurred_on);
