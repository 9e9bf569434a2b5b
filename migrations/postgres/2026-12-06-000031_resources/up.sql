-- Care resources and the criteria sets that rank their applicants (issue 17,
-- docs/waiting-lists.md). A criteria set is published in versions that are never changed: the
-- database refuses UPDATE and DELETE of a published version and of its criteria. The rules
-- (scales, ranking) are socialcare_domain::waiting_list's.
CREATE TABLE criteria_sets (
    id uuid PRIMARY KEY,
    code text NOT NULL CHECK (code ~ '^[a-z0-9_]{1,40}$'),
    version integer NOT NULL CHECK (version >= 1),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    effective_from date NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id)
);
CREATE UNIQUE INDEX criteria_sets_code_version ON criteria_sets (code, version);

CREATE TABLE criteria (
    set_id uuid NOT NULL REFERENCES criteria_sets (id),
    position smallint NOT NULL CHECK (position BETWEEN 0 AND 9),
    kind text NOT NULL CHECK (kind IN ('urgency', 'family_support', 'disability_severity', 'isee',
        'minors_in_household', 'months_on_list')),
    label text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    -- The scale's text form (socialcare_domain::waiting_list::encode_scale).
    scale text NOT NULL CHECK (length(scale) BETWEEN 1 AND 1000),
    PRIMARY KEY (set_id, position)
);
CREATE UNIQUE INDEX criteria_one_per_kind ON criteria (set_id, kind);

CREATE FUNCTION criteria_published() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a published criteria set is never changed: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'raise_exception';
END;
$$;
CREATE TRIGGER criteria_sets_published BEFORE UPDATE OR DELETE ON criteria_sets
    FOR EACH ROW EXECUTE FUNCTION criteria_published();
CREATE TRIGGER criteria_published BEFORE UPDATE OR DELETE ON criteria
    FOR EACH ROW EXECUTE FUNCTION criteria_published();

CREATE TABLE resources (
    id uuid PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('disability_residential', 'disability_day_centre', 'home_care',
        'meals', 'shelter_places', 'social_housing')),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    managing_body text NOT NULL CHECK (length(managing_body) BETWEEN 1 AND 200),
    area text NOT NULL CHECK (area IN ('adults_disability', 'social_inclusion', 'transversal')),
    criteria_code text NOT NULL CHECK (criteria_code ~ '^[a-z0-9_]{1,40}$'),
    reconfirm_months smallint NOT NULL CHECK (reconfirm_months BETWEEN 1 AND 36),
    notes text CHECK (notes IS NULL OR length(notes) BETWEEN 1 AND 2000),
    closed_on date,
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id)
);
CREATE INDEX resources_name_idx ON resources (name, id);

CREATE TABLE resource_capacity (
    resource_id uuid NOT NULL REFERENCES resources (id),
    from_on date NOT NULL,
    places integer NOT NULL CHECK (places BETWEEN 0 AND 100000),
    recorded_at timestamptz NOT NULL,
    recorded_by uuid NOT NULL REFERENCES users (id),
    PRIMARY KEY (resource_id, from_on)
);
