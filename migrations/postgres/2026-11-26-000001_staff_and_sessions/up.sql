-- Staff accounts, their roles and areas, refresh-token sessions, and the audit trail.
-- Mirrored in migrations/sqlite under the same version name.

CREATE TABLE users (
    id uuid PRIMARY KEY,
    username text NOT NULL,
    display_name text NOT NULL,
    email text NOT NULL,
    password_hash text NOT NULL,
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    disabled_at timestamptz,
    CONSTRAINT users_username_key UNIQUE (username),
    CONSTRAINT users_username_lower CHECK (username = lower(username))
);

CREATE TABLE user_roles (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('social_worker', 'educator', 'area_coordinator',
        'office_manager', 'administrative', 'privacy_officer', 'system_admin')),
    PRIMARY KEY (user_id, role)
);
CREATE INDEX user_roles_role_idx ON user_roles (role);

CREATE TABLE user_areas (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    area text NOT NULL CHECK (area IN ('adults_disability', 'social_inclusion', 'transversal')),
    PRIMARY KEY (user_id, area)
);
CREATE INDEX user_areas_area_idx ON user_areas (area);

CREATE TABLE refresh_tokens (
    id uuid PRIMARY KEY,
    family_id uuid NOT NULL,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash text NOT NULL,
    issued_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    revoked_at timestamptz,
    CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

CREATE TABLE audit_records (
    id uuid PRIMARY KEY,
    occurred_at timestamptz NOT NULL,
    actor_id uuid,
    actor_username text,
    actor_roles text NOT NULL,
    action text NOT NULL,
    resource_type text NOT NULL,
    resource_id text,
    outcome text NOT NULL CHECK (outcome IN ('success', 'denied', 'failure')),
    request_id text,
    client_addr text,
    details text
);
CREATE INDEX audit_records_occurred_at_idx ON audit_records (occurred_at);
CREATE INDEX audit_records_actor_idx ON audit_records (actor_id, occurred_at);
CREATE INDEX audit_records_resource_idx ON audit_records (resource_type, resource_id);
