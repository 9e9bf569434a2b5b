-- Staff accounts, their roles and areas, refresh-token sessions, and the audit trail.
-- Mirrored in migrations/postgres under the same version name.
-- UUIDs are 16-byte BLOBs; instants are RFC 3339 UTC TEXT (fixed width, so text order is time
-- order); booleans are INTEGER 0/1.

CREATE TABLE users (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    disabled_at TEXT,
    CONSTRAINT users_username_key UNIQUE (username),
    CONSTRAINT users_username_lower CHECK (username = lower(username))
);

CREATE TABLE user_roles (
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('social_worker', 'educator', 'area_coordinator',
        'office_manager', 'administrative', 'privacy_officer', 'system_admin')),
    PRIMARY KEY (user_id, role)
) WITHOUT ROWID;
CREATE INDEX user_roles_role_idx ON user_roles (role);

CREATE TABLE user_areas (
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    area TEXT NOT NULL CHECK (area IN ('adults_disability', 'social_inclusion', 'transversal')),
    PRIMARY KEY (user_id, area)
) WITHOUT ROWID;
CREATE INDEX user_areas_area_idx ON user_areas (area);

CREATE TABLE refresh_tokens (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    family_id BLOB NOT NULL CHECK (length(family_id) = 16),
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    revoked_at TEXT,
    CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

CREATE TABLE audit_records (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    occurred_at TEXT NOT NULL,
    actor_id BLOB,
    actor_username TEXT,
    actor_roles TEXT NOT NULL,
    action TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('success', 'denied', 'failure')),
    request_id TEXT,
    client_addr TEXT,
    details TEXT
);
CREATE INDEX audit_records_occurred_at_idx ON audit_records (occurred_at);
CREATE INDEX audit_records_actor_idx ON audit_records (actor_id, occurred_at);
CREATE INDEX audit_records_resource_idx ON audit_records (resource_type, resource_id);
