CREATE TABLE idempotency_keys_old (
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
INSERT INTO idempotency_keys_old SELECT actor_id, idempotency_key, request_hash, status_code,
    response_body, location, etag, created_at FROM idempotency_keys
    WHERE actor_id IN (SELECT id FROM users);
DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_old RENAME TO idempotency_keys;
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
CREATE TABLE referral_events_old (
    id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    referral_id BLOB NOT NULL REFERENCES referrals (id),
    transition TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    note TEXT,
    author_id BLOB NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL
);
INSERT INTO referral_events_old (id, referral_id, transition, from_status, to_status,
    occurred_on, note, author_id, recorded_at)
SELECT id, referral_id, transition, from_status, to_status, occurred_on, note, author_id,
    recorded_at
FROM referral_events WHERE author_id IS NOT NULL;
DROP TABLE referral_events;
ALTER TABLE referral_events_old RENAME TO referral_events;
CREATE INDEX referral_events_referral_idx ON referral_events (referral_id, recorded_at);
DROP INDEX referrals_organisation_idx;
ALTER TABLE referrals DROP COLUMN answered_by_client;
ALTER TABLE referrals DROP COLUMN organisation_id;
DROP TABLE client_assertions;
DROP TABLE machine_client_keys;
DROP TABLE machine_clients;
DROP TABLE partner_organisations;
