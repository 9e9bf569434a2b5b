-- Care resources and the criteria sets that rank their applicants (issue 17,
-- docs/waiting-lists.md). A criteria set is published in versions that are never changed: the
-- database refuses UPDATE and DELETE of a published version and of its criteria. Mirror of
-- migrations/postgres.
CREATE TABLE criteria_sets (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    code TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 40 AND code NOT GLOB '*[^a-z0-9_]*'),
    version INTEGER NOT NULL CHECK (version >= 1),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    effective_from TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id)
);
CREATE UNIQUE INDEX criteria_sets_code_version ON criteria_sets (code, version);

CREATE TABLE criteria (
    set_id BLOB NOT NULL REFERENCES criteria_sets (id),
    position INTEGER NOT NULL CHECK (position BETWEEN 0 AND 9),
    kind TEXT NOT NULL CHECK (kind IN ('urgency', 'family_support', 'disability_severity', 'isee',
        'minors_in_household', 'months_on_list')),
    label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    scale TEXT NOT NULL CHECK (length(scale) BETWEEN 1 AND 1000),
    PRIMARY KEY (set_id, position)
);
CREATE UNIQUE INDEX criteria_one_per_kind ON criteria (set_id, kind);

CREATE TRIGGER criteria_sets_no_update BEFORE UPDATE ON criteria_sets
BEGIN
    SELECT RAISE(ABORT, 'a published criteria set is never changed: UPDATE on criteria_sets is not allowed');
END;
CREATE TRIGGER criteria_sets_no_delete BEFORE DELETE ON criteria_sets
BEGIN
    SELECT RAISE(ABORT, 'a published criteria set is never changed: DELETE on criteria_sets is not allowed');
END;
CREATE TRIGGER criteria_no_update BEFORE UPDATE ON criteria
BEGIN
    SELECT RAISE(ABORT, 'a published criteria set is never changed: UPDATE on criteria is not allowed');
END;
CREATE TRIGGER criteria_no_delete BEFORE DELETE ON criteria
BEGIN
    SELECT RAISE(ABORT, 'a published criteria set is never changed: DELETE on criteria is not allowed');
END;

CREATE TABLE resources (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    kind TEXT NOT NULL CHECK (kind IN ('disability_residential', 'disability_day_centre', 'home_care',
        'meals', 'shelter_places', 'social_housing')),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    managing_body TEXT NOT NULL CHECK (length(managing_body) BETWEEN 1 AND 200),
    area TEXT NOT NULL CHECK (area IN ('adults_disability', 'social_inclusion', 'transversal')),
    criteria_code TEXT NOT NULL CHECK (length(criteria_code) BETWEEN 1 AND 40
        AND criteria_code NOT GLOB '*[^a-z0-9_]*'),
    reconfirm_months INTEGER NOT NULL CHECK (reconfirm_months BETWEEN 1 AND 36),
    notes TEXT CHECK (notes IS NULL OR length(notes) BETWEEN 1 AND 2000),
    closed_on TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id)
);
CREATE INDEX resources_name_idx ON resources (name, id);

CREATE TABLE resource_capacity (
    resource_id BLOB NOT NULL REFERENCES resources (id),
    from_on TEXT NOT NULL,
    places INTEGER NOT NULL CHECK (places BETWEEN 0 AND 100000),
    recorded_at TEXT NOT NULL,
    recorded_by BLOB NOT NULL REFERENCES users (id),
    PRIMARY KEY (resource_id, from_on)
);
