-- The append since 21e2438: the record is staged in audit_pending and chained by the deferred
-- trigger audit_pending_chain at COMMIT (the head is locked only during the commit). Same fixed
-- body bytes and one person, as in locked.sql.
BEGIN;
INSERT INTO audit_pending (id, occurred_at, actor_id, actor_username, actor_roles, action,
    resource_type, resource_id, outcome, request_id, client_addr, details, purpose, break_glass,
    persons, encoding_tag, encoding_body)
SELECT gen_random_uuid(), now(), NULL, 'bench', 'office_manager', 'case_file.read', 'case_file',
    'x', 'success', 'req', '127.0.0.1', NULL, NULL, false, uuid_send(gen_random_uuid()),
    '\x00000013'::bytea || convert_to('socialcare-audit-v1', 'UTF8'),
    '\x0102030405060708090a'::bytea
FROM (SELECT set_config('synchronous_commit', 'off', true)) AS commit_mode;
COMMIT;
