DELETE FROM idempotency_keys WHERE actor_id NOT IN (SELECT id FROM users);
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_actor_id_fkey
    FOREIGN KEY (actor_id) REFERENCES users (id);
ALTER TABLE referral_events DROP CONSTRAINT referral_events_one_author;
DELETE FROM referral_events WHERE author_id IS NULL;
ALTER TABLE referral_events DROP COLUMN client_id;
ALTER TABLE referral_events ALTER COLUMN author_id SET NOT NULL;
ALTER TABLE referrals DROP COLUMN answered_by_client;
DROP INDEX referrals_organisation_idx;
ALTER TABLE referrals DROP COLUMN organisation_id;
DROP TABLE client_assertions;
DROP TABLE machine_client_keys;
DROP TABLE machine_clients;
DROP TABLE partner_organisations;
