-- Partner systems (issue 18, docs/integration.md): the organisations the office works with, the
-- machine clients they run, the public keys with which those clients sign their assertions
-- (private_key_jwt, RFC 7523), the assertion ids already used, and the link of a referral to the
-- registered organisation it is addressed to. Mirror of migrations/postgres.
CREATE TABLE partner_organisations (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind TEXT NOT NULL CHECK (kind IN ('employment_centre', 'labour_agency',
        'mental_health_centre', 'addiction_service', 'probation_office', 'health_district',
        'cooperative', 'province', 'other')),
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id)
);
CREATE UNIQUE INDEX partner_organisations_name_idx ON partner_organisations (name);

CREATE TABLE machine_clients (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    organisation_id BLOB NOT NULL REFERENCES partner_organisations (id),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- Space-separated scope codes (OAuth 2.0 scope syntax).
    scopes TEXT NOT NULL CHECK (length(scopes) BETWEEN 1 AND 200),
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    last_used_at TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users (id),
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id)
);
CREATE UNIQUE INDEX machine_clients_name_idx ON machine_clients (organisation_id, name);

CREATE TABLE machine_client_keys (
    client_id BLOB NOT NULL REFERENCES machine_clients (id),
    kid TEXT NOT NULL CHECK (length(kid) BETWEEN 1 AND 100),
    algorithm TEXT NOT NULL CHECK (algorithm IN ('RS256', 'PS256', 'ES256', 'EdDSA')),
    format TEXT NOT NULL CHECK (format IN ('pem', 'jwk')),
    public_key TEXT NOT NULL CHECK (length(public_key) BETWEEN 1 AND 8000),
    -- SHA-256 of the key as sent, hex: shown so that both sides can compare what is registered.
    thumbprint TEXT NOT NULL CHECK (length(thumbprint) = 64),
    added_at TEXT NOT NULL,
    added_by BLOB NOT NULL REFERENCES users (id),
    revoked_at TEXT,
    revoked_by BLOB REFERENCES users (id),
    PRIMARY KEY (client_id, kid),
    CONSTRAINT machine_client_keys_revoked CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);

-- The `jti` of every assertion accepted, until it expires: the primary key makes a second use of
-- one assertion fail.
CREATE TABLE client_assertions (
    client_id BLOB NOT NULL REFERENCES machine_clients (id),
    jti TEXT NOT NULL CHECK (length(jti) BETWEEN 1 AND 200),
    expires_at TEXT NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX client_assertions_expiry_idx ON client_assertions (expires_at);

-- A referral may name the registered organisation it is addressed to (or comes from): the
-- organisation's machine clients with the `referrals` scope read and answer it.
ALTER TABLE referrals ADD COLUMN organisation_id BLOB REFERENCES partner_organisations (id);
CREATE INDEX referrals_organisation_idx ON referrals (organisation_id, id)
    WHERE organisation_id IS NOT NULL;
-- The machine client that answered (accepted or rejected) the referral, if a client did.
ALTER TABLE referrals ADD COLUMN answered_by_client BLOB REFERENCES machine_clients (id);

-- A change of a referral is made by a staff member or by a partner's machine client. SQLite
-- cannot drop a NOT NULL: the table (which nothing references) is rebuilt with its rows.
CREATE TABLE referral_events_new (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    referral_id BLOB NOT NULL REFERENCES referrals (id),
    transition TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    note TEXT,
    author_id BLOB REFERENCES users (id),
    recorded_at TEXT NOT NULL,
    client_id BLOB REFERENCES machine_clients (id),
    CONSTRAINT referral_events_one_author CHECK ((author_id IS NULL) <> (client_id IS NULL))
);
INSERT INTO referral_events_new (id, referral_id, transition, from_status, to_status,
    occurred_on, note, author_id, recorded_at, client_id)
SELECT id, referral_id, transition, from_status, to_status, occurred_on, note, author_id,
    recorded_at, NULL
FROM referral_events;
DROP TABLE referral_events;
ALTER TABLE referral_events_new RENAME TO referral_events;
CREATE INDEX referral_events_referral_idx ON referral_events (referral_id, recorded_at);

-- A machine client's writes take an Idempotency-Key as a staff member's do: the key's actor is
-- the principal that sent it, a staff member or a machine client (both ids are UUIDv7, set by
-- the server from the authenticated token, never from the request). SQLite cannot drop a
-- foreign key: the table (which nothing references) is rebuilt with its rows.
CREATE TABLE idempotency_keys_new (
    actor_id BLOB NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    location TEXT,
    etag TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (actor_id, idempotency_key)
);
INSERT INTO idempotency_keys_new SELECT actor_id, idempotency_key, request_hash, status_code,
    response_body, location, etag, created_at FROM idempotency_keys;
DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_new RENAME TO idempotency_keys;
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
