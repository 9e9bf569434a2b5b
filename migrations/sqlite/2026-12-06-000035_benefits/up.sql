-- The register of benefits granted (prestazioni; issue 17, docs/benefits.md). Mirror of
-- migrations/postgres.
CREATE TABLE benefits (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    case_file_id BLOB NOT NULL REFERENCES case_files (id),
    person_id BLOB NOT NULL REFERENCES persons (id),
    catalogue TEXT NOT NULL CHECK (length(catalogue) BETWEEN 1 AND 40),
    code TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 20),
    form TEXT NOT NULL CHECK (form IN ('economic', 'in_kind')),
    amount_cents INTEGER CHECK (amount_cents BETWEEN 1 AND 100000000),
    frequency TEXT CHECK (frequency IN ('one_off', 'monthly', 'bimonthly', 'quarterly', 'half_yearly', 'yearly')),
    isee_dependent INTEGER NOT NULL CHECK (isee_dependent IN (0, 1)),
    isee_cents INTEGER CHECK (isee_cents BETWEEN 0 AND 100000000),
    dsu_protocol TEXT CHECK (dsu_protocol IS NULL OR length(dsu_protocol) BETWEEN 1 AND 40),
    from_on TEXT NOT NULL,
    until_on TEXT,
    decision_ref TEXT NOT NULL CHECK (length(decision_ref) BETWEEN 1 AND 60),
    decision_on TEXT NOT NULL,
    notes TEXT CHECK (notes IS NULL OR length(notes) BETWEEN 1 AND 2000),
    source_kind TEXT CHECK (source_kind IN ('admission', 'housing_placement', 'employment_placement')),
    source_id BLOB,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id),
    CONSTRAINT benefits_money CHECK ((form = 'economic') = (amount_cents IS NOT NULL)
        AND (form = 'economic') = (frequency IS NOT NULL)),
    CONSTRAINT benefits_isee CHECK (isee_dependent = (isee_cents IS NOT NULL)
        AND isee_dependent = (dsu_protocol IS NOT NULL)),
    CONSTRAINT benefits_days CHECK (until_on IS NULL OR until_on >= from_on),
    CONSTRAINT benefits_source CHECK ((source_kind IS NULL) = (source_id IS NULL))
);
CREATE INDEX benefits_case_file_idx ON benefits (case_file_id, from_on);
CREATE INDEX benefits_person_idx ON benefits (person_id, from_on);
CREATE INDEX benefits_from_idx ON benefits (from_on, id);
CREATE UNIQUE INDEX benefits_one_per_source_idx ON benefits (source_kind, source_id)
    WHERE source_id IS NOT NULL;
