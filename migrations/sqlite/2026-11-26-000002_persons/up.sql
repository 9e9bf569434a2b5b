-- The people the office serves, the tokens that make their names searchable, and the
-- idempotency keys of write requests. Mirrored in migrations/postgres.
-- Dates are ISO 8601 TEXT (YYYY-MM-DD).

CREATE TABLE persons (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    given_names TEXT NOT NULL,
    family_names TEXT NOT NULL,
    name_key TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    birth_date TEXT,
    birth_place TEXT,
    sex TEXT CHECK (sex IN ('female', 'male')),
    citizenship TEXT CHECK (length(citizenship) = 2),
    tax_code TEXT,
    residence_kind TEXT NOT NULL CHECK (residence_kind IN ('residence', 'fictitious', 'none')),
    address_street TEXT,
    address_postal_code TEXT,
    address_municipality TEXT,
    address_province TEXT,
    phone TEXT,
    email TEXT,
    languages TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id),
    annulled_at TEXT,
    annulled_by BLOB REFERENCES users (id),
    annulment_reason TEXT
);
CREATE UNIQUE INDEX persons_tax_code_live_idx ON persons (tax_code) WHERE annulled_at IS NULL;
CREATE INDEX persons_name_key_idx ON persons (name_key, birth_date);
CREATE INDEX persons_sort_idx ON persons (sort_key, id);
CREATE INDEX persons_birth_date_idx ON persons (birth_date);

CREATE TABLE person_name_tokens (
    token TEXT NOT NULL,
    person_id BLOB NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    PRIMARY KEY (token, person_id)
) WITHOUT ROWID;
CREATE INDEX person_name_tokens_person_idx ON person_name_tokens (person_id);

CREATE TABLE idempotency_keys (
    actor_id BLOB NOT NULL REFERENCES users (id),
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    location TEXT,
    etag TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (actor_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
