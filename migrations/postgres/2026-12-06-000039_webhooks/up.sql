-- Webhooks (issue 18, docs/integration.md): a machine client with the `events` scope
-- subscribes a URL to the events of its organisation; a worker inside every server process
-- delivers them, signed as the Standard Webhooks specification says, at least once and in
-- order. Mirror of migrations/sqlite.
--
-- A subscription keeps its own position in the feed (`delivered_through`): the worker that holds
-- its lease sends the next events after it, one at a time, and moves it forward; a failure stops
-- the run there (so events arrive in commit order, each subject's in its order) and the next
-- attempt waits `next_attempt_at` (exponential backoff with jitter, up to a day). The lease is
-- taken with FOR UPDATE SKIP LOCKED, so two server processes never send for one subscription at
-- the same time.
CREATE TABLE webhook_subscriptions (
    id uuid PRIMARY KEY,
    client_id uuid NOT NULL REFERENCES machine_clients (id),
    url text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    -- Comma-separated event types; empty for every event of the organisation.
    event_types text NOT NULL CHECK (length(event_types) <= 2500),
    -- The signing secret (`whsec_` and base64 of 32 random bytes): HMAC needs the secret
    -- itself, so it is kept, and shown to the client once, when it subscribes.
    secret text NOT NULL CHECK (length(secret) BETWEEN 10 AND 200),
    enabled boolean NOT NULL,
    disabled_reason text CHECK (disabled_reason IS NULL OR length(disabled_reason) <= 500),
    delivered_through bigint NOT NULL CHECK (delivered_through >= 0),
    consecutive_failures integer NOT NULL CHECK (consecutive_failures >= 0),
    next_attempt_at timestamptz NOT NULL,
    leased_until timestamptz,
    lease_owner uuid,
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX webhook_subscriptions_client_idx ON webhook_subscriptions (client_id, id);
CREATE INDEX webhook_subscriptions_due_idx ON webhook_subscriptions (next_attempt_at)
    WHERE enabled;

-- The delivery log: every attempt, with its outcome.
CREATE TABLE webhook_attempts (
    id uuid PRIMARY KEY,
    subscription_id uuid NOT NULL REFERENCES webhook_subscriptions (id),
    event_position bigint NOT NULL,
    event_id uuid NOT NULL,
    attempted_at timestamptz NOT NULL,
    succeeded boolean NOT NULL,
    status_code integer CHECK (status_code IS NULL OR status_code BETWEEN 100 AND 599),
    error text CHECK (error IS NULL OR length(error) <= 500),
    duration_ms integer NOT NULL CHECK (duration_ms >= 0)
);
CREATE INDEX webhook_attempts_subscription_idx ON webhook_attempts (subscription_id, id);
