-- Partner systems (issue 18, docs/integration.md): the organisations the office works with, the
-- machine clients they run, the public keys with which those clients sign their assertions
-- (private_key_jwt, RFC 7523), the assertion ids already used, and the link of a referral to the
-- registered organisation it is addressed to. Mirror of migrations/sqlite.
CREATE TABLE partner_organisations (
    id uuid PRIMARY KEY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind text NOT NULL CHECK (kind IN ('employment_centre', 'labour_agency',
        'mental_health_centre', 'addiction_service', 'probation_office', 'health_district',
        'cooperative', 'province', 'other')),
    active boolean NOT NULL,
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id)
);
CREATE UNIQUE INDEX partner_organisations_name_idx ON partner_organisations (name);

CREATE TABLE machine_clients (
    id uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES partner_organisations (id),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- Space-separated scope codes (OAuth 2.0 scope syntax).
    scopes text NOT NULL CHECK (length(scopes) BETWEEN 1 AND 200),
    enabled boolean NOT NULL,
    last_used_at timestamptz,
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    updated_by uuid NOT NULL REFERENCES users (id)
);
CREATE UNIQUE INDEX machine_clients_name_idx ON machine_clients (organisation_id, name);

CREATE TABLE machine_client_keys (
    client_id uuid NOT NULL REFERENCES machine_clients (id),
    kid text NOT NULL CHECK (length(kid) BETWEEN 1 AND 100),
    algorithm text NOT NULL CHECK (algorithm IN ('RS256', 'PS256', 'ES256', 'EdDSA')),
    format text NOT NULL CHECK (format IN ('pem', 'jwk')),
    public_key text NOT NULL CHECK (length(public_key) BETWEEN 1 AND 8000),
    -- SHA-256 of the key as sent, hex: shown so that both sides can compare what is registered.
    thumbprint text NOT NULL CHECK (length(thumbprint) = 64),
    added_at timestamptz NOT NULL,
    added_by uuid NOT NULL REFERENCES users (id),
    revoked_at timestamptz,
    revoked_by uuid REFERENCES users (id),
    PRIMARY KEY (client_id, kid),
    CONSTRAINT machine_client_keys_revoked CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);

-- The `jti` of every assertion accepted, until it expires: the primary key makes a second use of
-- one assertion fail, also when two server processes receive it at the same instant.
CREATE TABLE client_assertions (
    client_id uuid NOT NULL REFERENCES machine_clients (id),
    jti text NOT NULL CHECK (length(jti) BETWEEN 1 AND 200),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX client_assertions_expiry_idx ON client_assertions (expires_at);

-- A referral may name the registered organisation it is addressed to (or comes from): the
-- organisation's machine clients with the `referrals` scope read and answer it.
ALTER TABLE referrals ADD COLUMN organisation_id uuid REFERENCES partner_organisations (id);
CREATE INDEX referrals_organisation_idx ON referrals (organisation_id, id)
    WHERE organisation_id IS NOT NULL;
-- The machine client that answered (accepted or rejected) the referral, if a client did.
ALTER TABLE referrals ADD COLUMN answered_by_client uuid REFERENCES machine_clients (id);

-- A change of a referral is made by a staff member or by a partner's machine client.
ALTER TABLE referral_events ALTER COLUMN author_id DROP NOT NULL;
ALTER TABLE referral_events ADD COLUMN client_id uuid REFERENCES machine_clients (id);
ALTER TABLE referral_events ADD CONSTRAINT referral_events_one_author
    CHECK ((author_id IS NULL) <> (client_id IS NULL));

-- A machine client's writes take an Idempotency-Key as a staff member's do: the key's actor is
-- the principal that sent it, a staff member or a machine client (both ids are UUIDv7, set by
-- the server from the authenticated token, never from the request).
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_actor_id_fkey;
