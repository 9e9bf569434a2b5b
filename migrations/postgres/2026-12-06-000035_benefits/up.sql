-- The register of benefits granted (prestazioni; issue 17, docs/benefits.md): each benefit of
-- a person, coded on a catalogue of the nomenclator of social interventions and services, in
-- money or in kind, with its amount and frequency, its dependence on the ISEE, its days, the
-- decision that granted it and, when recorded from one, the admission or placement it came
-- with. What the national register of social benefits (INPS SIUSS) must receive.
CREATE TABLE benefits (
    id uuid PRIMARY KEY,
    case_file_id uuid NOT NULL REFERENCES case_files (id),
    person_id uuid NOT NULL REFERENCES persons (id),
    catalogue text NOT NULL CHECK (length(catalogue) BETWEEN 1 AND 40),
    code text NOT NULL CHECK (length(code) BETWEEN 1 AND 20),
    form text NOT NULL CHECK (form IN ('economic', 'in_kind')),
    amount_cents bigint CHECK (amount_cents BETWEEN 1 AND 100000000),
    frequency text CHECK (frequency IN ('one_off', 'monthly', 'bimonthly', 'quarterly', 'half_yearly', 'yearly')),
    isee_dependent boolean NOT NULL,
    isee_cents bigint CHECK (isee_cents BETWEEN 0 AND 100000000),
    dsu_protocol text CHECK (dsu_protocol IS NULL OR length(dsu_protocol) BETWEEN 1 AND 40),
    from_on date NOT NULL,
    until_on date,
    decision_ref text NOT NULL CHECK (length(decision_ref) BETWEEN 1 AND 60),
    decision_on date NOT NULL,
    notes text CHECK (notes IS NULL OR length(notes) BETWEEN 1 AND 2000),
    source_kind text CHECK (source_kind IN ('admission', 'housing_placement', 'employment_placement')),
    source_id uuid,
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id),
    CONSTRAINT benefits_money CHECK ((form = 'economic') = (amount_cents IS NOT NULL)
        AND (form = 'economic') = (frequency IS NOT NULL)),
    CONSTRAINT benefits_isee CHECK (isee_dependent = (isee_cents IS NOT NULL)
        AND isee_dependent = (dsu_protocol IS NOT NULL)),
    CONSTRAINT benefits_days CHECK (until_on IS NULL OR until_on >= from_on),
    CONSTRAINT benefits_source CHECK ((source_kind IS NULL) = (source_id IS NULL))
);
CREATE INDEX benefits_case_file_idx ON benefits (case_file_id, from_on);
CREATE INDEX benefits_person_idx ON benefits (person_id, from_on);
-- The export to the national register reads the benefits of a period.
CREATE INDEX benefits_from_idx ON benefits (from_on, id);
-- An admission or a placement has one benefit record.
CREATE UNIQUE INDEX benefits_one_per_source_idx ON benefits (source_kind, source_id)
    WHERE source_id IS NOT NULL;
