-- The special categories of personal data of a person (GDPR art. 9 and 10), one table per group
-- so that each can be granted, read and audited on its own. One row per person at most; rows are
-- replaced, never deleted through the API. Mirrored in migrations/sqlite.

CREATE TABLE person_health_disability (
    person_id uuid PRIMARY KEY REFERENCES persons (id),
    law_104_recognised boolean NOT NULL,
    law_104_severe boolean NOT NULL,
    civil_invalidity_percent integer CHECK (civil_invalidity_percent BETWEEN 0 AND 100),
    accompanying_allowance boolean NOT NULL,
    support_needs text CHECK (length(support_needs) <= 4000),
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id)
);

CREATE TABLE person_ethnicity (
    person_id uuid PRIMARY KEY REFERENCES persons (id),
    community text NOT NULL CHECK (community IN ('roma', 'sinti', 'caminanti')),
    relevant_to_project text NOT NULL CHECK (length(relevant_to_project) BETWEEN 1 AND 2000),
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id)
);

CREATE TABLE person_legal_status (
    person_id uuid PRIMARY KEY REFERENCES persons (id),
    permit_kind text CHECK (length(permit_kind) <= 100),
    permit_expires_on date,
    protection_status text NOT NULL CHECK (protection_status IN ('applicant', 'refugee',
        'subsidiary_protection', 'special_protection', 'temporary_protection', 'none')),
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id)
);
-- Keyset order of the "permits expiring" list.
CREATE INDEX person_legal_status_expiry_idx ON person_legal_status (permit_expires_on, person_id);

CREATE TABLE person_justice (
    person_id uuid PRIMARY KEY REFERENCES persons (id),
    status text NOT NULL CHECK (status IN ('detained', 'alternative_measure', 'released')),
    alternative_measure_kind text,
    institution text,
    measure_start_on date,
    expected_release_on date,
    uepe_contact_reference text,
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id),
    CHECK ((status = 'alternative_measure') = (alternative_measure_kind IS NOT NULL))
);
