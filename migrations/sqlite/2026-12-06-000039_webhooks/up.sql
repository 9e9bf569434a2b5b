-- Webhooks (issue 18, docs/integration.md). Mirror of migrations/postgres, where the comments
-- explain the delivery.
CREATE TABLE webhook_subscriptions (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    client_id BLOB NOT NULL REFERENCES machine_clients (id),
    url TEXT NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    event_types TEXT NOT NULL CHECK (length(event_types) <= 2500),
    secret TEXT NOT NULL CHECK (length(secret) BETWEEN 10 AND 200),
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    disabled_reason TEXT CHECK (disabled_reason IS NULL OR length(disabled_reason) <= 500),
    delivered_through INTEGER NOT NULL CHECK (delivered_through >= 0),
    consecutive_failures INTEGER NOT NULL CHECK (consecutive_failures >= 0),
    next_attempt_at TEXT NOT NULL,
    leased_until TEXT,
    lease_owner BLOB,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX webhook_subscriptions_client_idx ON webhook_subscriptions (client_id, id);
CREATE INDEX webhook_subscriptions_due_idx ON webhook_subscriptions (next_attempt_at)
    WHERE enabled;

CREATE TABLE webhook_attempts (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    subscription_id BLOB NOT NULL REFERENCES webhook_subscriptions (id),
    event_position INTEGER NOT NULL,
    event_id BLOB NOT NULL,
    attempted_at TEXT NOT NULL,
    succeeded INTEGER NOT NULL CHECK (succeeded IN (0, 1)),
    status_code INTEGER CHECK (status_code IS NULL OR status_code BETWEEN 100 AND 599),
    error TEXT CHECK (error IS NULL OR length(error) <= 500),
    duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0)
);
CREATE INDEX webhook_attempts_subscription_idx ON webhook_attempts (subscription_id, id);
