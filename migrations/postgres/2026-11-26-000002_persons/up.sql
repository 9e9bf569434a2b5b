-- The people the office serves, the tokens that make their names searchable, and the
-- idempotency keys of write requests. Mirrored in migrations/sqlite.

CREATE TABLE persons (
    id uuid PRIMARY KEY,
    given_names text NOT NULL,
    family_names text NOT NULL,
    name_key text NOT NULL,
    sort_key text NOT NULL,
    birth_date date,
    birth_place text,
    sex text CHECK (sex IN ('female', 'male')),
    citizenship text CHECK (length(citizenship) = 2),
    tax_code text,
    residence_kind text NOT NULL CHECK (residence_kind IN ('residence', 'fictitious', 'none')),
    address_street text,
    address_postal_code text,
    address_municipality text,
    address_province text,
    phone text,
    email text,
    languages text NOT NULL,
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id),
    annulled_at timestamptz,
    annulled_by uuid REFERENCES users (id),
    annulment_reason text
);
-- A tax code identifies one live person; annulled records keep theirs without blocking it.
CREATE UNIQUE INDEX persons_tax_code_live_idx ON persons (tax_code) WHERE annulled_at IS NULL;
CREATE INDEX persons_name_key_idx ON persons (name_key, birth_date);
CREATE INDEX persons_sort_idx ON persons (sort_key, id);
CREATE INDEX persons_birth_date_idx ON persons (birth_date);

-- One row per folded word of a person's names: prefix search on any word, in any order, with
-- a b-tree range scan on both engines.
CREATE TABLE person_name_tokens (
    token text NOT NULL,
    person_id uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    PRIMARY KEY (token, person_id)
);
CREATE INDEX person_name_tokens_person_idx ON person_name_tokens (person_id);

CREATE TABLE idempotency_keys (
    actor_id uuid NOT NULL REFERENCES users (id),
    idempotency_key text NOT NULL,
    request_hash text NOT NULL,
    status_code integer NOT NULL,
    response_body text NOT NULL,
    location text,
    etag text,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (actor_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
