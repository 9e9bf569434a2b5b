-- The special categories of personal data of a person (GDPR art. 9 and 10), one table per group
-- so that each can be granted, read and audited on its own. One row per person at most; rows are
-- replaced, never deleted through the API. Mirrored in migrations/postgres.
-- Booleans are INTEGER 0/1; dates are ISO 8601 TEXT (YYYY-MM-DD).

CREATE TABLE person_health_disability (
    person_id BLOB PRIMARY KEY NOT NULL CHECK (length(person_id) = 16) REFERENCES persons (id),
    law_104_recognised INTEGER NOT NULL CHECK (law_104_recognised IN (0, 1)),
    law_104_severe INTEGER NOT NULL CHECK (law_104_severe IN (0, 1)),
    civil_invalidity_percent INTEGER CHECK (civil_invalidity_percent BETWEEN 0 AND 100),
    accompanying_allowance INTEGER NOT NULL CHECK (accompanying_allowance IN (0, 1)),
    support_needs TEXT CHECK (length(support_needs) <= 4000),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id)
) WITHOUT ROWID;

CREATE TABLE person_ethnicity (
    person_id BLOB PRIMARY KEY NOT NULL CHECK (length(person_id) = 16) REFERENCES persons (id),
    community TEXT NOT NULL CHECK (community IN ('roma', 'sinti', 'caminanti')),
    relevant_to_project TEXT NOT NULL CHECK (length(relevant_to_project) BETWEEN 1 AND 2000),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id)
) WITHOUT ROWID;

CREATE TABLE person_legal_status (
    person_id BLOB PRIMARY KEY NOT NULL CHECK (length(person_id) = 16) REFERENCES persons (id),
    permit_kind TEXT CHECK (length(permit_kind) <= 100),
    permit_expires_on TEXT,
    protection_status TEXT NOT NULL CHECK (protection_status IN ('applicant', 'refugee',
        'subsidiary_protection', 'special_protection', 'temporary_protection', 'none')),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id)
) WITHOUT ROWID;
-- Keyset order of the "permits expiring" list.
CREATE INDEX person_legal_status_expiry_idx ON person_legal_status (permit_expires_on, person_id);

CREATE TABLE person_justice (
    person_id BLOB PRIMARY KEY NOT NULL CHECK (length(person_id) = 16) REFERENCES persons (id),
    status TEXT NOT NULL CHECK (status IN ('detained', 'alternative_measure', 'released')),
    alternative_measure_kind TEXT,
    institution TEXT,
    measure_start_on TEXT,
    expected_release_on TEXT,
    uepe_contact_reference TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id),
    CHECK ((status = 'alternative_measure') = (alternative_measure_kind IS NOT NULL))
) WITHOUT ROWID;
